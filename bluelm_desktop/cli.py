"""`bluelm-desktop`: the app (no subcommand) and headless commands over the same core.

Qt is imported only when the GUI starts, so `--help` and the headless commands run on a
machine without a display (or without PySide6) and start fast. Every failure ends as one
line on stderr and exit status 2; a traceback is a bug (BLUELM_DEBUG=1 shows it).
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import os
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from bluelm_desktop import __version__
from bluelm_desktop.core import paths
from bluelm_desktop.core.errors import BlueLMError

PROG = "bluelm-desktop"
EXIT_OK = 0
EXIT_FAILED = 2
EXIT_INTERRUPTED = 130
COMMANDS = ("models", "plan", "ask", "batch", "tune")  # build_parser's subcommands
# core.batch.TASKS, without its imports
BATCH_TASKS = ("extract-invoice", "extract-contract", "translate", "ask")


USAGE = (f"{PROG} [-h] [--version] [--self-test] [--data-dir DIR] [FILE ...]\n"
         f"       {PROG} [--data-dir DIR] COMMAND ...")
DESCRIPTION = (
    "Offline assistant for documents and images. Without a command, opens the window; "
    "FILE... (images, PDFs) are attached to it as if dropped on it. When the app already "
    "runs with the same data folder, the files go to that window instead, and this start "
    "exits at once."
)
FILES_EPILOG = (
    f"A first argument that is a command's name runs the command ({', '.join(COMMANDS)}); "
    "any other argument is a file. To open a file whose name is a command's, give it "
    "with a folder (./ask, or a full path, as file managers do) or put -- before the files."
)


def _app_options(parser: argparse.ArgumentParser) -> None:
    """The options of the app itself, shared by the window's and the commands' parsers.
    One that takes a value must be in `_VALUE_OPTIONS` too."""
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    parser.add_argument(
        "--self-test",
        action="store_true",
        help="run the window offscreen on a sample invoice (the configured model, else the "
        "demo model in a temporary folder), print one JSON line, exit 0 if it answered",
    )
    parser.add_argument(
        "--data-dir",
        metavar="DIR",
        type=Path,
        help=f"keep models, settings and caches under DIR instead of the platform's "
        f"folders (also ${paths.ENV_DATA_DIR}); one window runs per data folder",
    )


_VALUE_OPTIONS = frozenset({"--data-dir"})  # the options of `_app_options` that take a value


def window_parser() -> argparse.ArgumentParser:
    """`bluelm-desktop [options] [FILE...]`: the window, with files to attach."""
    parser = argparse.ArgumentParser(prog=PROG, usage=USAGE, description=DESCRIPTION,
                                     epilog=FILES_EPILOG, allow_abbrev=False)
    _app_options(parser)
    parser.add_argument("open_files", nargs="*", metavar="FILE",
                        help="images and PDFs to attach")
    return parser


def build_parser() -> argparse.ArgumentParser:
    """`bluelm-desktop [options] [COMMAND ...]`: the window, or a headless command."""
    parser = argparse.ArgumentParser(prog=PROG, usage=USAGE, description=DESCRIPTION,
                                     epilog=FILES_EPILOG, allow_abbrev=False)
    _app_options(parser)
    commands = parser.add_subparsers(dest="command", metavar="COMMAND")
    models = commands.add_parser(
        "models",
        help="list the models the app can use",
        description="List the models in the library, one line each. Exit status 2 if any "
        "file cannot be used (the line says why).",
    )
    models.add_argument("--json", action="store_true", help="one JSON object per line")
    models.add_argument("--find", action="store_true",
                        help="list the models LM Studio, Jan and llama.cpp downloaded on this "
                        "computer that the library does not have yet")
    models.add_argument("--add-found", action="store_true",
                        help="add those models to the library in place (no copy)")

    plan = commands.add_parser(
        "plan",
        help="show the tile grid and image tokens each page would get",
        description="Plan images and PDFs without running a model: one line per file "
        "(--json: one JSON object per file). Exit status 2 if any file failed; the others "
        "are still planned.",
    )
    plan.add_argument("files", nargs="+", metavar="FILE")
    plan.add_argument("--tile-size", type=int, default=384)
    plan.add_argument("--max-grid", type=int, default=4, help="G: grids up to G×G tiles")
    plan.add_argument("--alpha", type=float, default=0.1, help="relaxed-matching threshold")
    plan.add_argument("--tokens-per-tile", type=int, default=196)
    plan.add_argument("--rule", choices=("relaxed", "llava-next", "internvl"), default="relaxed")
    budget = plan.add_mutually_exclusive_group()
    budget.add_argument("--max-image-tokens", type=int, metavar="N",
                        help="cap image tokens per page by lowering G")
    budget.add_argument("--budget", choices=("fast", "fine-print"),
                        help="a preset token budget per page")
    plan.add_argument("--password", help="password for encrypted PDFs")
    plan.add_argument("--json", action="store_true", help="one JSON object per file")
    plan.add_argument("--tiles-only", action="store_true",
                      help="plan every page as tiles, even one whose text layer would go")

    ask = commands.add_parser(
        "ask",
        help="answer a question about files (or just chat) and stream the answer",
        description="Load a model, read the files (images, PDFs), and stream the answer to "
        "stdout. The last positional argument is the question.",
    )
    ask.add_argument("--model", type=Path, metavar="LLM.gguf",
                     help="the model (with --server: optional, the server's model file as "
                     "it is here, for counting text pages exactly)")
    ask.add_argument("--mmproj", type=Path, metavar="MMPROJ.gguf",
                     help="vision projector (default: NAME-mmproj.gguf beside NAME-llm.gguf; "
                     "without one, documents are read by their text layer only; with "
                     "--server: the server's projector file, to send our tiles)")
    _server_options(ask, many=False)
    ask.add_argument("inputs", nargs="+", metavar="[FILE...] QUESTION")
    ask.add_argument("--json-schema", type=Path, metavar="FILE",
                     help="constrain the answer to this JSON schema")
    ask.add_argument("--translate-to", metavar="LANG", help="translate the text in the image")
    ask.add_argument("--seed", type=int)
    ask.add_argument("--max-tokens", type=int, default=512)
    ask.add_argument("--temperature", type=float, default=0.7)
    ask.add_argument("--ctx", type=int, metavar="N",
                     help="context length in tokens (default: 4096; with --server: the "
                     "server's per slot)")
    ask.add_argument("--threads", type=int, default=0, help="0: all cores")
    ask.add_argument("--max-image-tokens", type=int, metavar="N",
                     help="cap image tokens per page (lowers the tile grid)")
    _attention_options(ask, "the measured default")
    ask.add_argument("--password", help="password for encrypted PDFs")
    ask.add_argument("--stats", action="store_true",
                     help="print one JSON line of timings to stderr")

    batch = commands.add_parser(
        "batch",
        help="extract, translate or ask about every document in a folder",
        description="Run one task over every image and PDF in DIR with one model load, "
        "appending one record per file to --out (.jsonl: one JSON object per line; .csv: "
        "one row per file) as soon as the file is done. Run the same command again to "
        "resume: files already recorded (same name, same contents) are skipped. Progress "
        "goes to stderr. Exit status 2 if any file failed (its record says why), 130 if "
        "interrupted.",
    )
    batch.add_argument("folder", type=Path, metavar="DIR")
    batch.add_argument("--task", required=True, choices=BATCH_TASKS)
    batch.add_argument("--question", metavar="Q", help="--task ask: the question")
    batch.add_argument("--target-language", metavar="LANG",
                       help="--task translate: the language (default: the settings' target)")
    batch.add_argument("--model", type=Path, metavar="LLM.gguf",
                       help="the model (with --server: optional, the servers' model file as "
                       "it is here, for counting text pages exactly)")
    batch.add_argument("--mmproj", type=Path, metavar="MMPROJ.gguf",
                       help="vision projector (default: NAME-mmproj.gguf beside NAME-llm.gguf; "
                       "with --server: the servers' projector file, to send our tiles)")
    _server_options(batch, many=True)
    batch.add_argument("--out", required=True, type=Path, metavar="FILE",
                       help="results, FILE.jsonl or FILE.csv")
    batch.add_argument("--threads", type=int, metavar="N",
                       help="model threads (default: the settings', else all cores but one "
                       "when there are more than two)")
    batch.add_argument("--ctx", type=int, metavar="N",
                       help="context length in tokens (default: the settings')")
    _attention_options(batch, "the settings'")
    batch.add_argument("--max-grid", type=int, metavar="G", help="grids up to G×G tiles")
    batch.add_argument("--max-image-tokens", type=int, metavar="N",
                       help="cap image tokens per page (lowers the tile grid)")
    batch.add_argument("--max-tokens", type=int, metavar="N",
                       help="longest answer (default: the task's)")
    batch.add_argument("--seed", type=int)
    batch.add_argument("--password", help="password for encrypted PDFs")
    batch.add_argument("--retry-failed", action="store_true",
                       help="remove the failed files' records from --out and run them again")

    tune = commands.add_parser(
        "tune",
        help="measure a model's speed on this computer (2–4 minutes for a 3B model)",
        description="Measure one tile's encode, prefill and decode speed; whether "
        "encoding beside prefill (the pipeline) and tiles in batches pay on this machine; "
        "and flash attention and the KV cache types with a page in context. Remembered "
        "per model files and llama.cpp build: the app's estimates, pipeline, tile batch "
        "and (unless set by hand) attention settings follow it.",
    )
    tune.add_argument("--model", required=True, type=Path, metavar="LLM.gguf")
    tune.add_argument("--mmproj", type=Path, metavar="MMPROJ.gguf",
                      help="vision projector (default: NAME-mmproj.gguf beside NAME-llm.gguf)")
    tune.add_argument("--threads", type=int, default=0, help="0: all cores")
    tune.add_argument("--reps", type=int, default=1, help="runs of each measurement")
    tune.add_argument("--no-attention", action="store_true",
                      help="skip measuring flash attention and the KV cache types with a "
                      "page in context (about 15 s each on a 3B model)")
    tune.add_argument("--json", action="store_true", help="print the result as JSON")
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    raw = list(sys.argv[1:] if argv is None else argv)
    if raw[:1] == ["--load-probe"]:  # the child of a first model load, in a frozen bundle
        from bluelm_desktop.core.engine import load_probe

        return load_probe.main(raw[1:])
    args = parse_args(raw)
    try:
        if args.data_dir is not None:
            paths.set_base_dir(args.data_dir)
        if args.self_test:
            return self_test()
        if args.command == "models":
            if args.find or args.add_found:
                return find_models(add=args.add_found, as_json=args.json)
            return list_models(as_json=args.json)
        if args.command == "plan":
            return plan_files(args)
        if args.command == "ask":
            return ask_question(args)
        if args.command == "batch":
            return batch_documents(args)
        if args.command == "tune":
            return tune_model(args)
        return start_gui(_files_to_open(args.open_files))
    except BlueLMError as e:
        return _fail(str(e))
    except OSError as e:
        return _fail(f"{e.filename or ''}{': ' if e.filename else ''}{e.strerror or e}")
    except KeyboardInterrupt:
        return 130
    except Exception as e:  # the last line of defence: one line, then the trace on request
        if os.environ.get("BLUELM_DEBUG"):
            raise
        return _fail(f"internal error ({type(e).__name__}: {e}); set BLUELM_DEBUG=1 for details")


def _fail(message: str) -> int:
    print(f"{PROG}: {' '.join(message.split())}", file=sys.stderr)
    return EXIT_FAILED


def parse_args(argv: Sequence[str]) -> argparse.Namespace:
    """The command line, parsed: `command` is None for the window, with `files` to open.

    The rule that keeps files and commands apart: the first argument that is not an
    option decides. A command's name there runs the command; anything else (a path with
    a folder in it, any other name, anything after `--`) starts the window with files.
    """
    if _first_operand_is_a_command(argv):
        args = build_parser().parse_args(argv)
        args.open_files = []  # (a command's own `files` stay)
        return args
    parser = window_parser()
    args = parser.parse_args(argv)
    args.command = None
    if args.self_test and args.open_files:
        parser.error("--self-test takes no files")
    return args


def _first_operand_is_a_command(argv: Sequence[str]) -> bool:
    """Whether the first argument that is not an option (nor an option's value) names
    a command. None at all counts as a command line too, so that `--help` lists them."""
    takes_value = False
    for arg in argv:
        if takes_value:
            takes_value = False
        elif arg == "--":
            return False
        elif arg.startswith("-") and arg != "-":
            takes_value = arg in _VALUE_OPTIONS
        else:
            return arg in COMMANDS
    return True


def _files_to_open(names: Sequence[str]) -> list[Path]:
    """Files from the command line, absolute (a running window has another working
    folder); a missing one ends the start with one line, as in the other commands."""
    absolute = []
    for name in names:
        f = Path(name)
        if not f.exists():
            bare = not any(sep and sep in name for sep in (os.sep, os.altsep))
            hint = f" (nor a command: {', '.join(COMMANDS)})" if bare else ""
            raise BlueLMError(f"{name}: no such file{hint}")
        if f.is_dir():
            raise BlueLMError(f"{f}: is a folder; give the files in it, or use "
                              f"`{PROG} batch` for a whole folder")
        absolute.append(f.absolute())
    return absolute


def start_gui(files: Sequence[Path] = ()) -> int:
    """The window, with `files` attached; or, when the app already runs with this data
    folder, those files handed to its window and exit status 0."""
    _check_display()
    from bluelm_desktop.ui.app import run  # Qt only from here on

    return run([sys.argv[0] if sys.argv else PROG], files=files)


def self_test(timeout_s: float = 120.0) -> int:
    """`--self-test`: drop a sample invoice on the real window, offscreen, and ask.

    Prints one JSON line (tiles, tokens, largest event-loop stall, seconds). A watchdog
    ends the process if even the shutdown hangs, so CI never waits forever.
    """
    if sys.platform.startswith("linux") and not (
        os.environ.get("QT_QPA_PLATFORM")
        or os.environ.get("DISPLAY")
        or os.environ.get("WAYLAND_DISPLAY")
    ):
        os.environ["QT_QPA_PLATFORM"] = "offscreen"
    import threading

    def give_up() -> None:
        print(f"{PROG}: self-test: still running after {timeout_s + 30:.0f} s; giving up",
              file=sys.stderr, flush=True)
        os._exit(EXIT_FAILED)

    watchdog = threading.Timer(timeout_s + 30, give_up)
    watchdog.daemon = True
    watchdog.start()
    try:
        from bluelm_desktop.ui.self_test import main as run_self_test  # Qt only from here on

        print(run_self_test(timeout_s), flush=True)
    finally:
        watchdog.cancel()
    return EXIT_OK


def _check_display() -> None:
    """Fail with a sentence instead of Qt's abort when there is nowhere to show a window."""
    if not sys.platform.startswith("linux") or os.environ.get("QT_QPA_PLATFORM"):
        return
    if not (os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY")):
        raise BlueLMError(
            "no display to open the window on (DISPLAY and WAYLAND_DISPLAY are unset); "
            "run it in a desktop session, or use a headless command such as "
            f"`{PROG} models`"
        )


def list_models(as_json: bool) -> int:
    """Print the library: aligned columns for people, JSON lines for scripts."""
    from bluelm_desktop.core.gguf.summary import format_bytes
    from bluelm_desktop.core.models.library import ModelLibrary

    library = ModelLibrary.from_paths()
    pairs = library.scan()
    if as_json:
        for pair in pairs:
            print(json.dumps(pair.to_json(), ensure_ascii=False))
    elif not pairs:
        print(
            f"no models in {library.models_dir}; start {PROG} and click “Create demo model” "
            "or “Add GGUF files…”",
            file=sys.stderr,
        )
    else:
        rows: list[list[str]] = []
        for pair in pairs:
            if pair.ok:
                ram = format_bytes(pair.ram_bytes) if pair.ram_bytes is not None else "unknown"
                note = "demo, random weights" if pair.is_demo else pair.source
                rows.append([pair.name, pair.kind, pair.layout or "other", pair.llm_type or "",
                             format_bytes(pair.size_bytes), f"RAM {ram}", note])
            else:
                rows.append([pair.name, f"error: {pair.error}"])
        # Align every column but the last of each row; an error row's message runs free.
        widths: dict[int, int] = {}
        for row in rows:
            for i, cell in enumerate(row[:-1]):
                widths[i] = max(widths.get(i, 0), len(cell))
        for row in rows:
            print("  ".join([c.ljust(widths[i]) for i, c in enumerate(row[:-1])] + row[-1:]))
    return EXIT_OK if all(p.ok for p in pairs) else EXIT_FAILED


def find_models(add: bool, as_json: bool) -> int:
    """`models --find` / `--add-found`: other tools' downloads, one line each."""
    from bluelm_desktop.core.models.library import ModelLibrary

    library = ModelLibrary.from_paths()
    found = library.find_on_computer()
    if not found:
        print("no models of LM Studio, Jan or llama.cpp found that the library lacks",
              file=sys.stderr)
        return EXIT_OK
    results = library.add_found(found) if add else []
    errors = {str(p.llm_path): p.error for p in results if p.error}
    for model in found:
        error = errors.get(str(model.llm))
        if as_json:
            print(json.dumps({"tool": model.tool, "name": model.name, "llm": str(model.llm),
                              "mmproj": str(model.mmproj) if model.mmproj else None,
                              "added": add and error is None, "error": error},
                             ensure_ascii=False))
            continue
        state = f"error: {error}" if error else ("added" if add else "")
        vision = f" + {model.mmproj.name}" if model.mmproj else " (text only)"
        print(f"{model.tool}: {model.name}{vision}  {model.llm.parent}  {state}".rstrip())
    return EXIT_FAILED if errors else EXIT_OK


def plan_files(args: argparse.Namespace) -> int:
    """`plan`: one result per file; a failure is that file's line, never the run's end."""
    from bluelm_desktop.core.documents import DocumentService
    from bluelm_desktop.core.planning import plan_document
    from bluelm_desktop.core.vision.tiling import BUDGET_PRESETS, TilingParams

    cap = args.max_image_tokens
    if args.budget:
        cap = BUDGET_PRESETS[args.budget.replace("-", " ")]
    try:
        params = TilingParams(tile_size=args.tile_size, max_grid=args.max_grid,
                              alpha=args.alpha, tokens_per_tile=args.tokens_per_tile,
                              rule=args.rule, max_image_tokens=cap)
    except ValueError as e:
        raise BlueLMError(str(e)) from None
    failed = 0
    with DocumentService() as service:
        for name in args.files:
            try:
                result = plan_document(service, name, params, password=args.password,
                                       text_first=not args.tiles_only).to_json()
            except BlueLMError as e:
                result = {"file": name, "ok": False, "error": " ".join(str(e).split())}
                failed += 1
            if args.json:
                print(json.dumps(result, ensure_ascii=False), flush=True)
            elif result["ok"]:
                for page in result["pages"]:
                    print(_page_line(name, page), flush=True)
                for note in result.get("notes", []):
                    print(f"{name}: note: {note}", flush=True)
            else:
                print(f"{PROG}: {result['error']}", file=sys.stderr, flush=True)
    return EXIT_FAILED if failed else EXIT_OK


def tune_model(args: argparse.Namespace) -> int:
    """`tune`: measure, remember, print."""
    from dataclasses import asdict

    from bluelm_desktop.core import tune
    from bluelm_desktop.core.gguf.pairs import mmproj_beside

    mmproj = args.mmproj or mmproj_beside(args.model)
    result = tune.tune(args.model, mmproj, args.threads or None, max(args.reps, 1),
                       attention=not args.no_attention,
                       progress=lambda line: print(f"{PROG}: tune: {line}…",
                                                   file=sys.stderr, flush=True))
    tune.save(result)
    if args.json:
        chosen = result.attention
        print(json.dumps({**asdict(result), "pipeline": result.pipeline,
                          "tile_batch": result.tile_batch,
                          "attention": asdict(chosen) if chosen else None}))
        return EXIT_OK
    rows = tune.summary_rows(result)
    width = max(len(r[0]) for r in rows)
    for label, value in rows:
        print(f"{label:<{width}}  {value}")
    print(f"{PROG}: remembered in {tune.tune_path()} ({result.threads} threads)",
          file=sys.stderr)
    return EXIT_OK


def _page_line(name: str, page: dict[str, Any]) -> str:
    """'invoice.pdf p1: 1654×2339 → text layer, ≈ 612 tokens' / '… → 3:4 grid, 13 tiles…'."""
    head = f"{name} p{page['page']}: {page['width']}×{page['height']} → "
    text = f"text layer, ≈ {page['text_tokens']} tokens"
    if page["mode"] == "text":
        return head + text
    m, n = page["grid"]
    thumb = " + thumbnail" if page["thumbnail"] else ""
    tiles = (f"{m}:{n} grid, {page['tiles']} tile{'s' * (page['tiles'] != 1)}{thumb}, "
             f"{page['image_tokens']} image tokens")
    return head + {"text+tiles": f"{text} + {tiles}", "skipped": "left out"}.get(
        page["mode"], tiles)


def _attention_options(parser: argparse.ArgumentParser, default: str) -> None:
    """llama.cpp's own option names (llama-server, llama-cli): --flash-attn, --cache-type-k/v."""
    from bluelm_desktop.core.engine.attention import FLASH_ATTENTION, KV_CACHE_CHOICES

    parser.add_argument("--flash-attn", choices=tuple(FLASH_ATTENTION),
                        help=f"flash attention (default: {default})")
    parser.add_argument("--cache-type-k", choices=KV_CACHE_CHOICES,
                        help=f"KV cache type of the keys (default: {default})")
    parser.add_argument("--cache-type-v", choices=KV_CACHE_CHOICES,
                        help=f"KV cache type of the values; q8_0 needs flash attention "
                        f"(default: {default})")


def _with_attention(settings: Any, args: argparse.Namespace) -> Any:
    """`settings` (Settings) with the command's --flash-attn / --cache-type-k/v."""
    chosen = {name: value for name, value in (("flash_attention", args.flash_attn),
                                              ("kv_cache_k", args.cache_type_k),
                                              ("kv_cache_v", args.cache_type_v))
              if value is not None}
    if not chosen:
        return settings
    # chosen on the command line: not replaced by what `tune` measured
    return dataclasses.replace(settings, inference=dataclasses.replace(
        settings.inference, **chosen, follow_tune=False))


SERVER_KEY_ENV = "BLUELM_SERVER_API_KEY"  # the servers' API key, never on a command line


def _server_options(parser: argparse.ArgumentParser, many: bool) -> None:
    """--server URL (repeatable for batch) and how to reach it. The API key comes from a
    file or the environment, never from the command line (shells keep their history and
    every user can read a process's arguments)."""
    parser.add_argument(
        "--server", metavar="URL", action="append" if many else "store",
        help="answer through llama.cpp's llama-server at URL (http://HOST:PORT, https://…) "
        "instead of loading the model here" + ("; give it again for more servers: files "
                                               "are spread over all their slots" if many
                                               else ""))
    parser.add_argument("--api-key-file", type=Path, metavar="FILE",
                        help=f"the server's API key, read from FILE (or ${SERVER_KEY_ENV})")
    parser.add_argument("--server-timeout", type=float, metavar="S",
                        help="give up on a server silent this long (default: 120 s)")
    parser.add_argument("--server-ca", type=Path, metavar="FILE",
                        help="trust the certificates in FILE for https servers (default: the "
                        "system's; verification is always on)")


def _servers_from(args: argparse.Namespace) -> list[Any]:
    """The ServerConfigs the command line names (none: the in-process engine)."""
    from bluelm_desktop.core.server import ServerConfig
    from bluelm_desktop.core.server.connection import DEFAULT_TIMEOUT_S

    urls = args.server if isinstance(args.server, list) else [args.server] * bool(args.server)
    if not urls:
        for name in ("api_key_file", "server_timeout", "server_ca"):
            if getattr(args, name) is not None:
                raise BlueLMError(f"--{name.replace('_', '-')} is for --server")
        return []
    key = os.environ.get(SERVER_KEY_ENV) or None
    if args.api_key_file is not None:
        try:
            key = args.api_key_file.read_text(encoding="utf-8").strip() or None
        except (OSError, UnicodeDecodeError) as e:
            raise BlueLMError(f"{args.api_key_file}: cannot read the API key "
                              f"({getattr(e, 'strerror', None) or e})") from None
    try:
        configs = [ServerConfig(url, api_key=key, ca_file=args.server_ca,
                                timeout_s=args.server_timeout or DEFAULT_TIMEOUT_S)
                   for url in urls]
    except ValueError as e:
        raise BlueLMError(str(e)) from None
    labels = [c.label for c in configs]
    if len(set(labels)) < len(labels):
        raise BlueLMError(f"--server {max(labels, key=labels.count)} is given twice")
    return configs


def ask_question(args: argparse.Namespace) -> int:
    """`ask`: stream the answer to stdout; `--stats` adds one JSON line on stderr."""
    from bluelm_desktop.core.assistant import ask, load_schema, translation_prompt
    from bluelm_desktop.core.engine.engine import EngineSettings
    from bluelm_desktop.core.engine.sampling import SamplingParams
    from bluelm_desktop.core.gguf.pairs import mmproj_beside
    from bluelm_desktop.core.tune import tuned

    *files, question = args.inputs
    if args.translate_to:
        question = translation_prompt(question, args.translate_to)
    try:
        params = SamplingParams(
            temperature=args.temperature, max_tokens=args.max_tokens, seed=args.seed,
            json_schema=load_schema(args.json_schema) if args.json_schema else None,
        )
        defaults = EngineSettings()
        settings = EngineSettings(
            n_ctx=args.ctx or defaults.n_ctx, threads=args.threads,
            flash_attention=args.flash_attn or defaults.flash_attention,
            kv_type_k=args.cache_type_k or defaults.kv_type_k,
            kv_type_v=args.cache_type_v or defaults.kv_type_v)
    except ValueError as e:
        raise BlueLMError(str(e)) from None
    [server, *_] = _servers_from(args) or [None]
    if args.model is None and server is None:
        raise BlueLMError("ask needs --model LLM.gguf or --server URL")
    for model in (args.model, args.mmproj):
        if model is not None and not model.is_file():
            raise BlueLMError(f"{model}: no such model file")
    mmproj = args.mmproj or (mmproj_beside(args.model) if args.model else None)
    if server is not None:  # the server has its own threads, context and attention
        settings = dataclasses.replace(defaults, n_ctx=args.ctx) if args.ctx else None
    elif (measured := tuned(args.model, mmproj)) is not None:
        # what `tune` measured here; attention unless given
        by_hand = any(v is not None for v in (args.flash_attn, args.cache_type_k,
                                               args.cache_type_v))
        settings = measured.engine_settings(settings, follow=not by_hand)

    def write(text: str) -> None:
        sys.stdout.write(text)
        sys.stdout.flush()

    result = ask(args.model, mmproj, files, question, params, settings,
                 args.max_image_tokens, on_text=write, password=args.password, server=server)
    sys.stdout.write("\n")
    for note in result.notes:
        print(f"{PROG}: note: {note}", file=sys.stderr)
    if args.stats:
        print(json.dumps({k: round(v, 1) if isinstance(v, float) else v
                          for k, v in result.stats.items()}), file=sys.stderr)
    return EXIT_OK


def batch_documents(args: argparse.Namespace) -> int:
    """`batch`: records in --out, progress and notes on stderr; Ctrl+C keeps what is done."""
    from bluelm_desktop.core import settings
    from bluelm_desktop.core.batch import Batch, make_job

    try:
        chosen = _with_attention(settings.load(), args)
    except ValueError as e:
        raise BlueLMError(str(e)) from None
    job = make_job(chosen, folder=args.folder, out=args.out, task=args.task,
                   llm=args.model, mmproj=args.mmproj, question=args.question,
                   target_language=args.target_language, threads=args.threads, ctx=args.ctx,
                   max_grid=args.max_grid, max_image_tokens=args.max_image_tokens,
                   max_tokens=args.max_tokens, seed=args.seed, password=args.password,
                   retry_failed=args.retry_failed, servers=_servers_from(args))
    batch = Batch(job)
    try:
        summary = batch.run()
    except KeyboardInterrupt:
        print(f"{PROG}: {batch.summary.interrupted()}", file=sys.stderr)
        return EXIT_INTERRUPTED
    return EXIT_OK if summary.ok else EXIT_FAILED


if __name__ == "__main__":
    sys.exit(main())
