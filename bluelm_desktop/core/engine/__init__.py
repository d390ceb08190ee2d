"""llama.cpp adapter: models, tile encoder, chat session."""
