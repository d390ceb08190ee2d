"""Tiles and image tokens per matching rule over a corpus of everyday image sizes.

Run on demand (not collected by pytest: the name does not match `test_*.py`):

    .venv/bin/python tests/benchmarks/rule_comparison.py [--tile-size 384] [--max-grid 4] ...

Writes `reports/rule_comparison.md` (for people) and `.json` (for scripts) next to this
file. Pure arithmetic through the same `plan_image` the app uses, so it runs in well
under a second and needs no model: what it measures is the encoder and prefill work each
rule asks for, which on a CPU is what decides how long a user waits.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Final

from bluelm_desktop.core.vision.resolution import (
    RULE_INTERNVL,
    RULE_LLAVA_NEXT,
    RULE_RELAXED,
    RULES,
    effective_resolution,
)
from bluelm_desktop.core.vision.tiling import BUDGET_PRESETS, TilePlan, TilingParams, plan_image

REPORT_DIR: Final = Path(__file__).resolve().parent / "reports"
REPORT_NAME: Final = "rule_comparison"
RULE_TITLES: Final = {
    RULE_RELAXED: "relaxed (paper)",
    RULE_LLAVA_NEXT: "LLaVA-NeXT",
    RULE_INTERNVL: "InternVL-1.5",
}


@dataclass(frozen=True)
class Sample:
    """One image size the app meets in practice."""

    category: str
    name: str
    width: int
    height: int


def _page(name: str, width_in: float, height_in: float, dpi: int) -> Sample:
    """A scanned or rendered page: inches × dpi, rounded like scanners and renderers do."""
    return Sample(
        "document page", f"{name} {dpi} dpi", round(width_in * dpi), round(height_in * dpi)
    )


A4_IN: Final = (210 / 25.4, 297 / 25.4)
LETTER_IN: Final = (8.5, 11.0)

# 80 mm thermal paper prints 72 mm at 203 dpi = 576 dots across; length is the receipt's.
CORPUS: Final[tuple[Sample, ...]] = (
    *(_page("A4", *A4_IN, dpi) for dpi in (150, 200, 300)),
    *(_page("US Letter", *LETTER_IN, dpi) for dpi in (150, 200, 300)),
    Sample("receipt", "80 mm thermal, short", 576, 1800),
    Sample("receipt", "80 mm thermal, long", 576, 3200),
    Sample("receipt", "80 mm thermal, very long", 576, 6000),
    Sample("phone screenshot", "1080×2400 (20:9 Android)", 1080, 2400),
    Sample("phone screenshot", "1170×2532 (iPhone)", 1170, 2532),
    Sample("phone screenshot", "1440×3200 (QHD+ Android)", 1440, 3200),
    Sample("desktop screenshot", "Full HD", 1920, 1080),
    Sample("desktop screenshot", "QHD", 2560, 1440),
    Sample("desktop screenshot", "4K UHD", 3840, 2160),
    Sample("photo", "12 MP landscape", 4032, 3024),
    Sample("photo", "12 MP portrait", 3024, 4032),
    Sample("photo", "2 MP", 1600, 1200),
    Sample("ID card", "ID-1 card at 300 dpi", 1012, 638),
    Sample("text strip", "paper's strip", 380, 76),
    Sample("text strip", "one line of a page", 1200, 100),
    Sample("banner", "web banner", 1500, 500),
    Sample("banner", "leaderboard ad", 728, 90),
)

# Shown for reference, not counted in the totals (they are picked to make a point).
PAPER_EXAMPLES: Final[tuple[Sample, ...]] = (
    Sample("paper", "394×390", 394, 390),
    Sample("paper", "380×76", 380, 76),
    Sample("paper", "380×393", 380, 393),
    Sample("paper", "500×102", 500, 102),
    Sample("paper", "phone screen", 768, 1536),
)


def _plan_json(plan: TilePlan) -> dict[str, object]:
    w, h = plan.source_size
    re = effective_resolution(w, h, plan.grid, plan.tile_size)
    return {
        "grid": [plan.grid.cols, plan.grid.rows],
        "tiles": plan.tiles,
        "thumbnail": plan.thumbnail,
        "image_tokens": plan.image_tokens,
        # Share of the source's pixels the grid keeps (1.0: nothing lost to downscaling).
        "kept_pixels": round(re / (w * h), 4),
    }


def compare(samples: Sequence[Sample], params: TilingParams) -> list[dict[str, object]]:
    """One row per sample: its plan under every rule, plus relaxed under the fast budget."""
    fast = replace(params, rule=RULE_RELAXED, max_image_tokens=BUDGET_PRESETS["fast"])
    rows: list[dict[str, object]] = []
    for s in samples:
        plans = {rule: plan_image(s.width, s.height, replace(params, rule=rule)) for rule in RULES}
        rows.append(
            {
                "category": s.category,
                "name": s.name,
                "width": s.width,
                "height": s.height,
                "rules": {rule: _plan_json(p) for rule, p in plans.items()},
                "relaxed_fast": _plan_json(plan_image(s.width, s.height, fast)),
            }
        )
    return rows


def _sum(rows: Sequence[dict[str, object]], rule: str, field: str) -> int:
    return sum(int(r["rules"][rule][field]) for r in rows)  # type: ignore[index]


def totals(rows: Sequence[dict[str, object]]) -> dict[str, dict[str, int]]:
    out = {
        rule: {"tiles": _sum(rows, rule, "tiles"), "image_tokens": _sum(rows, rule, "image_tokens")}
        for rule in RULES
    }
    out["relaxed_fast"] = {
        field: sum(int(r["relaxed_fast"][field]) for r in rows)  # type: ignore[index]
        for field in ("tiles", "image_tokens")
    }
    return out


def ratios(tot: dict[str, dict[str, int]]) -> dict[str, float]:
    """Total image tokens of the relaxed rule over each baseline's (tiles give the same
    ratio: every rule pays the same tokens per tile)."""
    relaxed = tot[RULE_RELAXED]["image_tokens"]
    return {
        f"{RULE_RELAXED}/{RULE_INTERNVL}": round(relaxed / tot[RULE_INTERNVL]["image_tokens"], 4),
        f"{RULE_RELAXED}/{RULE_LLAVA_NEXT}": round(
            relaxed / tot[RULE_LLAVA_NEXT]["image_tokens"], 4
        ),
    }


def _cell(p: dict[str, object]) -> str:
    m, n = p["grid"]  # type: ignore[misc]
    return f"{m}:{n} · {p['tiles']} · {p['image_tokens']:,}"


def _table(rows: Sequence[dict[str, object]], with_fast: bool) -> list[str]:
    head = ["image", "w×h", *(RULE_TITLES[r] for r in RULES)]
    if with_fast:
        head.append("relaxed, fast budget")
    lines = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    for r in rows:
        cells = [
            f"{r['category']}: {r['name']}",
            f"{r['width']}×{r['height']}",
            *(_cell(r["rules"][rule]) for rule in RULES),  # type: ignore[index]
        ]
        if with_fast:
            cells.append(_cell(r["relaxed_fast"]))  # type: ignore[arg-type]
        lines.append("| " + " | ".join(cells) + " |")
    return lines


def render_markdown(report: dict[str, object]) -> str:
    p = report["params"]
    rows = report["images"]
    tot = report["totals"]
    rat = report["ratios"]
    assert isinstance(p, dict) and isinstance(rows, list)
    assert isinstance(tot, dict) and isinstance(rat, dict)
    lines = [
        "# Matching rules compared: tiles and image tokens",
        "",
        "Generated by `tests/benchmarks/rule_comparison.py`; do not edit by hand.",
        "",
        f"Tile {p['tile_size']} px, G = {p['max_grid']} (InternVL: max_num = G² = "
        f"{p['max_grid'] ** 2}), α = {p['alpha']}, {p['tokens_per_tile']} tokens per tile, "
        f"thumbnail: {p['thumbnail']}. Fast budget: {p['fast_budget']} image tokens.",
        "",
        "Each cell: grid m:n (across:down) · tiles incl. thumbnail · image tokens.",
        "",
        *_table(rows, with_fast=True),
        "",
        "## Totals over the corpus",
        "",
        "| rule | tiles | image tokens |",
        "|---|---|---|",
        *(f"| {RULE_TITLES[r]} | {tot[r]['tiles']} | {tot[r]['image_tokens']:,} |" for r in RULES),
        f"| relaxed, fast budget | {tot['relaxed_fast']['tiles']} | "
        f"{tot['relaxed_fast']['image_tokens']:,} |",
        "",
        f"- relaxed / InternVL-1.5: **{rat['relaxed/internvl']:.3f}**",
        f"- relaxed / LLaVA-NeXT: **{rat['relaxed/llava-next']:.3f}**",
        "",
        "## By category (image tokens)",
        "",
        "| category | " + " | ".join(RULE_TITLES[r] for r in RULES) + " |",
        "|---|" + "---|" * len(RULES),
    ]
    categories = list(dict.fromkeys(str(r["category"]) for r in rows))
    for c in categories:
        in_c = [r for r in rows if r["category"] == c]
        lines.append(
            f"| {c} | " + " | ".join(f"{_sum(in_c, r, 'image_tokens'):,}" for r in RULES) + " |"
        )
    lines += [
        "",
        "## The paper's examples (not in the totals)",
        "",
        *_table(report["paper_examples"], with_fast=False),  # type: ignore[arg-type]
        "",
    ]
    return "\n".join(lines)


def build_report(params: TilingParams) -> dict[str, object]:
    rows = compare(CORPUS, params)
    tot = totals(rows)
    return {
        "params": {
            "tile_size": params.tile_size,
            "max_grid": params.max_grid,
            "alpha": params.alpha,
            "tokens_per_tile": params.tokens_per_tile,
            "thumbnail": params.thumbnail,
            "fast_budget": BUDGET_PRESETS["fast"],
        },
        "images": rows,
        "totals": tot,
        "ratios": ratios(tot),
        "paper_examples": compare(PAPER_EXAMPLES, params),
    }


def main(argv: Sequence[str] | None = None) -> int:
    defaults = TilingParams()
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--tile-size", type=int, default=defaults.tile_size)
    ap.add_argument("--max-grid", type=int, default=defaults.max_grid)
    ap.add_argument("--alpha", type=float, default=defaults.alpha)
    ap.add_argument("--tokens-per-tile", type=int, default=defaults.tokens_per_tile)
    ap.add_argument("--out-dir", type=Path, default=REPORT_DIR)
    args = ap.parse_args(argv)
    params = TilingParams(
        tile_size=args.tile_size,
        max_grid=args.max_grid,
        alpha=args.alpha,
        tokens_per_tile=args.tokens_per_tile,
    )
    report = build_report(params)
    args.out_dir.mkdir(parents=True, exist_ok=True)
    (args.out_dir / f"{REPORT_NAME}.json").write_text(
        json.dumps(report, indent=2, ensure_ascii=False) + "\n", encoding="utf-8"
    )
    (args.out_dir / f"{REPORT_NAME}.md").write_text(render_markdown(report), encoding="utf-8")
    rat = report["ratios"]
    print(f"wrote {args.out_dir / REPORT_NAME}.{{md,json}}: {json.dumps(rat)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
