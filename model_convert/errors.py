"""The converter's one error type (it lives in the core's error tree: `core.errors`)."""

from __future__ import annotations

from bluelm_desktop.core.errors import ConvertError

__all__ = ["ConvertError"]
