"""Checkpoint → GGUF conversion with the BlueLM-V-3B mixed precision, and its proof.

`bluelm-convert synth|convert|verify|inspect`; see README.md.
"""
