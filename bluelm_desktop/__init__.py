"""BlueLM Desktop: an offline assistant for documents and images (BlueLM-V-3B on a PC)."""

__version__ = "0.1.0"
