"""The GGUF files the app runs and the converter writes: their format, in one place.

- `keys`: our metadata keys, layouts, image tokens, file naming, and which architectures
  and projectors the app knows in depth;
- `check`: the bounded header parser and pre-validator (a crafted or damaged file is a
  sentence, never an abort in llama.cpp);
- `summary`: what a file holds (kind, hparams, tensor types) and the RAM it needs;
- `pairs`: an LLM and its projector checked as a pair before llama.cpp sees them.

Pure Python: no Qt, no llama_cpp. The converter (`model_convert`) sits above the core
and imports this package; the core never imports the converter.
"""
