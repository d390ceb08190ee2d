"""The demo model: a tiny BlueLM-layout checkpoint with random weights, converted to GGUF.

The app's "Create demo model" button and its self-test make it here, in the converter
(which sits above the core): the core never imports `model_convert`.
"""

from __future__ import annotations

import shutil
import tempfile
from pathlib import Path

from bluelm_desktop.core import paths
from bluelm_desktop.core.errors import ConvertError, ModelError
from bluelm_desktop.core.models.library import DEMO_MODEL_NAME, ModelPair, Progress, load_pair
from model_convert import constants as C


def create_demo_model(
    models_dir: Path, progress: Progress, work_dir: Path | None = None
) -> ModelPair:
    """Make `bluelm-demo-tiny`: a random-weight BlueLM-layout model in the default precision.

    It lets a user (and the smoke test) exercise the whole app without downloading
    gigabytes; its answers are noise, which the name and the UI say. The checkpoint is
    made in a scratch folder under `work_dir` (default `cache_dir()`) and removed after;
    the converter writes the two GGUF files atomically, so re-running replaces them.
    Failures are a `ModelError` naming the file or folder at fault.
    """
    # The converter pulls in the quantizer; import it only when a demo is really made.
    from model_convert.convert import convert
    from model_convert.synth import synth

    work_root = work_dir if work_dir is not None else paths.cache_dir()
    try:
        work_root.mkdir(parents=True, exist_ok=True)
        scratch = Path(tempfile.mkdtemp(prefix="demo-checkpoint-", dir=work_root))
    except OSError as e:
        raise ModelError(f"{work_root}: cannot make a scratch folder: {e.strerror or e}") from None
    try:
        progress("Making a tiny checkpoint with random weights…")
        checkpoint = synth(C.LAYOUT_BLUELM, C.SIZE_TINY, scratch / DEMO_MODEL_NAME)
        progress(
            f"Converting it to GGUF (LLM {C.DEFAULT_LLM_TYPE}, vision {C.DEFAULT_VISION_TYPE})…"
        )
        converted = convert(
            checkpoint,
            models_dir,
            C.DEFAULT_LLM_TYPE,
            C.DEFAULT_VISION_TYPE,
            name=DEMO_MODEL_NAME,
            warn=lambda message: progress(f"Converter: {message}"),
        )
    except ConvertError as e:
        raise ModelError(str(e)) from None
    except OSError as e:  # the models folder is not writable, the disk is full, ...
        where = f"{e.filename}: " if e.filename else ""
        raise ModelError(f"{where}{e.strerror or e}") from None
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
    progress("Reading the new model…")
    pair = load_pair(DEMO_MODEL_NAME, converted.llm, converted.mmproj)
    if pair.error is not None:
        raise ModelError(f"the demo model was written but cannot be read: {pair.error}")
    return pair
