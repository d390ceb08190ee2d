"""`bluelm-desktop batch`: one task over every document in a folder, one record per file.

The same core as the window and `ask`: documents → tile plans → engine, with the quick
actions' prompts and sampling (`tasks.prompts`) and `parse_invoice` for extraction. The
model is loaded once and answers one file at a time on the engine thread; meanwhile the
document worker decodes and tiles the next file (`PREFETCH_FILES` ahead, so a folder of
scans is never held in memory at once).

Records are written as they come: one JSON line or one CSV row per file, each in a single
`write` followed by `fsync`, so an interrupted run (Ctrl+C, a kill, a crash, a power cut)
loses at most the file in progress. Running the same command again resumes: a document
whose record is in the output is skipped, and a record cut off by a kill is dropped and
redone. A document is "recorded" when a record has its name relative to the folder *and*
the SHA-256 of its bytes. The hash rather than size + mtime, because copying or syncing a
folder (cp, unzip, a sync client, git) gives every file a new mtime and would redo the
whole batch, while a re-scan saved under the old name with the same size inside the
file system's mtime granularity would be missed; hashing costs about a second per GB,
against seconds to minutes of model time per file. The name is part of the key so that
two copies of one invoice still get a record each. A document whose bytes changed gets
a new record after its old one: the last record of a name is the current one.

The package: `job` (what runs, over which folder), `output` (records and resume),
`progress` (the terminal line), `run` (the model, the read-ahead, the loop).
"""

from __future__ import annotations

from bluelm_desktop.core.batch.job import (
    DOCUMENT_SUFFIXES,
    OUTPUT_SUFFIXES,
    TASKS,
    BatchJob,
    Document,
    Task,
    default_threads,
    identify,
    list_documents,
    make_job,
)
from bluelm_desktop.core.batch.output import (
    ANSWER_COLUMNS,
    INVOICE_COLUMNS,
    BatchOutput,
    FileResult,
    output_for,
)
from bluelm_desktop.core.batch.run import Batch, BatchSummary

__all__ = [
    "ANSWER_COLUMNS",
    "DOCUMENT_SUFFIXES",
    "INVOICE_COLUMNS",
    "OUTPUT_SUFFIXES",
    "TASKS",
    "Batch",
    "BatchJob",
    "BatchOutput",
    "BatchSummary",
    "Document",
    "FileResult",
    "Task",
    "default_threads",
    "identify",
    "list_documents",
    "make_job",
    "output_for",
]
