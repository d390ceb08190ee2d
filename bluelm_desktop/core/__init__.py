"""Qt-free core: importable and testable without PySide6."""
