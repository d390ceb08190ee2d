"""`bluelm-convert synth|convert|verify|inspect`.

Every failure the user can cause (a missing or truncated file, an unsupported checkpoint,
a failed check) is one line on stderr naming the file, and exit status 2.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from collections.abc import Sequence
from pathlib import Path

from model_convert import constants as C
from model_convert.errors import ConvertError


def _err(msg: str) -> None:
    print(f"bluelm-convert: warning: {msg}", file=sys.stderr)


def cmd_synth(a: argparse.Namespace) -> int:
    from model_convert.synth import synth

    t = time.perf_counter()
    out = synth(a.layout, a.size, Path(a.out_dir), seed=a.seed)
    print(
        f"wrote {a.size} {a.layout} checkpoint (random weights) to {out} "
        f"in {time.perf_counter() - t:.1f} s"
    )
    return 0


def cmd_convert(a: argparse.Namespace) -> int:
    from model_convert.convert import convert

    t = time.perf_counter()
    r = convert(
        Path(a.ckpt_dir),
        Path(a.out_dir),
        a.llm_type,
        a.vision_type,
        name=a.name,
        threads=a.threads,
        warn=_err,
    )
    dt = time.perf_counter() - t
    for p in (r.llm, r.mmproj):
        print(f"wrote {p} ({p.stat().st_size / 2**20:.1f} MiB)")
    print(
        f"converted in {dt:.1f} s (LLM {a.llm_type}, ViT {a.vision_type}, projector "
        f"{'f32' if a.vision_type == 'f32' else 'f16'}); {len(r.warnings)} fallback warning(s)"
    )
    for note in r.notes:
        print(f"note: {note}")
    return 0


def cmd_verify(a: argparse.Namespace) -> int:
    from model_convert.verify import verify

    results = verify(Path(a.ckpt_dir), Path(a.out_dir), name=a.name, threads=a.threads)
    if a.json:
        print(json.dumps([{**r.__dict__, "ok": r.ok} for r in results]))
    else:
        for r in results:
            print(r.line())
    failed = [r.stage for r in results if not r.ok]
    if failed:
        print(
            f"bluelm-convert: error: {Path(a.out_dir)}: outside tolerance: {', '.join(failed)}",
            file=sys.stderr,
        )
        return 2
    return 0


def cmd_inspect(a: argparse.Namespace) -> int:
    from bluelm_desktop.core.gguf.summary import (
        KIND_MMPROJ,
        estimate_ram_bytes,
        format_summary,
        summarize,
    )

    summary = summarize(Path(a.file))
    layout = _image_layout(Path(a.file)) if summary.kind == KIND_MMPROJ else None
    if a.json:
        print(
            json.dumps(
                {
                    **summary.to_json(),
                    "ram_estimate_bytes": estimate_ram_bytes(summary, n_ctx=a.ctx),
                    "n_ctx": a.ctx,
                    **({"image_layout": layout} if layout is not None else {}),
                }
            )
        )
    else:
        print(format_summary(summary, a.ctx))
        if layout is not None:
            print("image layout (the app's decisions, and what each came from):")
            for d in layout:
                print(f"  {d['setting']}: {d['value']}  ← {d['source']}")
    return 0


def _image_layout(path: Path) -> list[dict[str, str]]:
    """How the app lays out this projector's images, each choice with its source; a
    projector it has no layout for says so in one entry."""
    from bluelm_desktop.core.engine.families import vision_family
    from bluelm_desktop.core.errors import ModelError
    from bluelm_desktop.core.gguf.pairs import read_metadata

    try:
        family = vision_family(read_metadata(path), path.name)
    except ModelError as e:
        return [{"setting": "images", "value": "not read", "source": str(e)}]
    return [{"setting": d.setting, "value": d.value, "source": d.source}
            for d in family.decisions]


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="bluelm-convert",
        description="Convert vision-language checkpoints to GGUF (LLM + mmproj) for llama.cpp, "
        "with BlueLM-V-3B's mixed precision, and prove the result numerically.",
    )
    sub = p.add_subparsers(dest="command", required=True)

    s = sub.add_parser("synth", help="write a random-weight checkpoint (HF layout)")
    s.add_argument("--layout", choices=C.LAYOUTS, default=C.LAYOUT_BLUELM)
    s.add_argument("--size", choices=C.SIZES, default=C.SIZE_TINY)
    s.add_argument("--seed", type=int, default=0)
    s.add_argument("out_dir")
    s.set_defaults(fn=cmd_synth)

    c = sub.add_parser("convert", help="checkpoint folder -> <name>-llm.gguf + <name>-mmproj.gguf")
    c.add_argument("ckpt_dir")
    c.add_argument("out_dir")
    c.add_argument("--llm-type", choices=C.LLM_TYPES, default=C.DEFAULT_LLM_TYPE)
    c.add_argument("--vision-type", choices=C.VISION_TYPES, default=C.DEFAULT_VISION_TYPE)
    c.add_argument("--name", help="output file prefix (default: the checkpoint folder's name)")
    c.add_argument("--threads", type=int)
    c.set_defaults(fn=cmd_convert)

    v = sub.add_parser("verify", help="compare the GGUF files in llama.cpp with a numpy reference")
    v.add_argument("ckpt_dir")
    v.add_argument("out_dir")
    v.add_argument("--name")
    v.add_argument("--threads", type=int)
    v.add_argument("--json", action="store_true")
    v.set_defaults(fn=cmd_verify)

    i = sub.add_parser("inspect", help="summarise a GGUF file and estimate its RAM use")
    i.add_argument("file")
    i.add_argument("--ctx", type=int, default=4096, help="context length for the RAM estimate")
    i.add_argument("--json", action="store_true")
    i.set_defaults(fn=cmd_inspect)
    return p


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        return int(args.fn(args))
    except ConvertError as e:
        print(f"bluelm-convert: error: {e}", file=sys.stderr)
    except OSError as e:
        where = e.filename or "bluelm-convert"
        print(f"bluelm-convert: error: {where}: {e.strerror or e}", file=sys.stderr)
    except KeyboardInterrupt:
        print("bluelm-convert: interrupted", file=sys.stderr)
        return 130
    except Exception as e:  # the last line of defence: one line, the trace on request
        from bluelm_desktop.core.errors import BlueLMError

        if isinstance(e, BlueLMError):
            print(f"bluelm-convert: error: {e}", file=sys.stderr)
        elif os.environ.get("BLUELM_DEBUG"):
            raise
        else:
            message = " ".join(f"{type(e).__name__}: {e}".split())
            print(f"bluelm-convert: internal error ({message}); set BLUELM_DEBUG=1 for "
                  "details", file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main())
