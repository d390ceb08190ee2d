"""Safe document intake: images, PDFs, clipboard pastes and screen captures.

Everything enters through `DocumentService` with a `DocumentSource` (a path, encoded
bytes, or an RGB array) and comes out as a `DocumentInfo`, uint8 RGB pages and the PDF
text layer (`TextSpan`). Decoding and rendering happen in a worker process that is killed
on a timeout and restarted after a native crash; every failure is a one-line
`DocumentError` naming the document. Pillow and PyMuPDF are imported only in the worker.
"""

from bluelm_desktop.core.documents.model import (
    DocumentInfo,
    DocumentKind,
    DocumentLimits,
    DocumentSource,
    PageInfo,
    SourceLike,
    TextSpan,
)
from bluelm_desktop.core.documents.service import DocumentService
from bluelm_desktop.core.errors import DocumentError, PasswordRequired

__all__ = [
    "DocumentError",
    "DocumentInfo",
    "DocumentKind",
    "DocumentLimits",
    "DocumentService",
    "DocumentSource",
    "PageInfo",
    "PasswordRequired",
    "SourceLike",
    "TextSpan",
]
