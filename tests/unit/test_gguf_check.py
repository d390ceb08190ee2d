"""gguf_check on the converter's valid files and on ~1,100 deliberately damaged copies.

Every mutant (tests/gguf_mutations.py) must be rejected with one sentence naming the file,
or, where the fault leaves a well-formed file, accepted; nothing else may ever escape.
Then the real hazard: a sample of each kind goes through `check_pair` and, where it
passes, into llama.cpp in a child process (engine.load_probe), and this process must
live through all of it. The counts are printed (run with -s to see them).
"""

from __future__ import annotations

import random
from collections import Counter
from collections.abc import Callable
from pathlib import Path

import pytest
from gguf_mutations import ACCEPT, EITHER, MUTATIONS, REJECT, Mutant, mutants
from hypothesis import given, settings
from hypothesis import strategies as st

from bluelm_desktop.core.engine.load_probe import probe_load
from bluelm_desktop.core.errors import ModelError
from bluelm_desktop.core.gguf.check import Limits, check_bytes, check_gguf
from bluelm_desktop.core.gguf.pairs import check_pair
from model_convert import constants as C
from model_convert.convert import Converted

VARIANTS = [(C.LAYOUT_BLUELM, "q4_k_m", "q8_0"), (C.LAYOUT_BLUELM, "f16", "f16"),
            (C.LAYOUT_INTERNVL, "q4_k_m", "q8_0"), (C.LAYOUT_INTERNVL, "f16", "f16")]
ROLES = ("llm", "mmproj")
SEED = 0


@pytest.fixture(scope="module")
def pairs(tiny_models: Callable[..., Converted]) -> dict[tuple[str, str, str], Converted]:
    return {v: tiny_models(*v) for v in VARIANTS}


def _file(pair: Converted, role: str) -> Path:
    return pair.llm if role == "llm" else pair.mmproj


def _verdict(m: Mutant) -> tuple[str, str]:
    """("accept", "") or ("reject", message); any other exception fails the test."""
    try:
        check_bytes(m.data, m.name)
    except ModelError as e:
        return REJECT, str(e)
    return ACCEPT, ""


# --- valid files ------------------------------------------------------------------------


@pytest.mark.parametrize("variant", VARIANTS, ids="-".join)
def test_valid_models_pass(pairs: dict, variant: tuple[str, str, str]) -> None:
    pair = pairs[variant]
    llm, mmproj = check_gguf(pair.llm), check_gguf(pair.mmproj)
    assert (llm.kind, mmproj.kind) == ("llm", "mmproj")
    assert llm.architecture == {"bluelm": "llama", "internvl": "qwen2"}[variant[0]]
    assert mmproj.projector_type == {"bluelm": "lfm2", "internvl": "internvl"}[variant[0]]
    assert llm.version == 3 and llm.alignment == 32
    assert llm.n_tensors > 0 and llm.n_kv > 0 and llm.data_offset % 32 == 0
    assert llm.file_size == pair.llm.stat().st_size


def test_limits_are_enforced_even_on_a_valid_file(pairs: dict) -> None:
    data = pairs[VARIANTS[0]].llm.read_bytes()
    with pytest.raises(ModelError, match=r"^m\.gguf: .*more than the 10 allowed"):
        check_bytes(data, "m.gguf", Limits(max_kv=10))
    with pytest.raises(ModelError, match=r"tokenizer\.ggml\.tokens claims 1,152 strings"):
        check_bytes(data, "m.gguf", Limits(max_string_array=1000))


def test_files_that_are_not_there_or_not_files(tmp_path: Path) -> None:
    with pytest.raises(ModelError, match=r"^gone\.gguf: no such file$"):
        check_gguf(tmp_path / "gone.gguf")
    with pytest.raises(ModelError, match="not a regular file"):
        check_gguf(tmp_path)
    (tmp_path / "empty.gguf").write_bytes(b"")
    with pytest.raises(ModelError, match="0 bytes long, too short"):
        check_gguf(tmp_path / "empty.gguf")


# --- every mutant -----------------------------------------------------------------------

_totals: Counter[str] = Counter()


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("variant", VARIANTS, ids="-".join)
def test_every_mutant_is_rejected_in_one_sentence_or_is_valid(
    pairs: dict, variant: tuple[str, str, str], role: str
) -> None:
    problems = []
    counts: Counter[str] = Counter()
    for m in mutants(_file(pairs[variant], role), SEED):
        verdict, message = _verdict(m)
        counts[verdict] += 1
        if m.expect != EITHER and verdict != m.expect:
            problems.append(f"{m.kind} {m.label}: expected {m.expect}, got {verdict} {message}")
        elif verdict == REJECT and (
            not message.startswith(f"{m.name}: ") or "\n" in message or len(message) > 300
        ):
            problems.append(f"{m.kind} {m.label}: not one sentence naming the file: {message}")
        elif verdict == REJECT and m.mentions and m.mentions not in message:
            problems.append(f"{m.kind} {m.label}: {m.mentions!r} not in {message!r}")
    assert not problems, "\n".join(problems)
    assert counts[REJECT] > 100
    _totals.update(counts)
    print(f"\n{'-'.join(variant)} {role}: {sum(counts.values())} mutants, "
          f"{counts[REJECT]} rejected, {counts[ACCEPT]} accepted; "
          f"so far {sum(_totals.values())} tried, {_totals[REJECT]} rejected, "
          f"{_totals[ACCEPT]} accepted")


def test_every_kind_is_deterministic_and_named(pairs: dict) -> None:
    path = pairs[VARIANTS[0]].mmproj
    first, again = mutants(path, SEED), mutants(path, SEED)
    assert [m.data for m in first] == [m.data for m in again]
    assert {m.kind for m in first} == set(MUTATIONS)
    assert len({m.name for m in first}) == len(first)  # file names are unique
    assert [m.data for m in mutants(path, SEED + 1)] != [m.data for m in first]


# --- the real hazard: check_pair, then llama.cpp in a child ------------------------------


def _sample(pairs: dict) -> list[tuple[Mutant, Converted, str]]:
    """Up to two mutants of each (kind, role), the ones gguf_check accepts first.

    Accepted ones are the files that reach llama.cpp; a rejected one checks that
    check_pair refuses it before gguf-py or llama.cpp sees it.
    """
    rng = random.Random(f"{SEED}:sample")
    chosen = []
    for role in ROLES:
        by_kind: dict[str, list[tuple[Mutant, Converted]]] = {}
        for variant in VARIANTS:
            pair = pairs[variant]
            for m in mutants(_file(pair, role), SEED):
                by_kind.setdefault(m.kind, []).append((m, pair))
        for group in by_kind.values():
            rng.shuffle(group)
            group.sort(key=lambda mp: _verdict(mp[0])[0] != ACCEPT)
            chosen += [(m, pair, role) for m, pair in group[:2]]
    return chosen


@pytest.mark.slow
def test_damaged_files_never_take_the_app_down(pairs: dict, tmp_path: Path) -> None:
    known_good = tmp_path / "known-good.json"
    outcomes: Counter[str] = Counter()
    crashed = []
    for i, (m, pair, role) in enumerate(_sample(pairs)):
        path = tmp_path / f"{i:02d}-{m.name}"
        path.write_bytes(m.data)
        llm, mmproj = (path, pair.mmproj) if role == "llm" else (pair.llm, path)
        try:
            check_pair(llm, mmproj)
        except ModelError as e:
            assert "\n" not in str(e)
            outcomes["refused by check_pair"] += 1
            continue
        assert _verdict(m)[0] == ACCEPT  # check_pair runs gguf_check first
        try:
            probe_load(llm, mmproj, known_good)
        except ModelError as e:
            message = str(e)
            assert message.startswith(f"{path.name}: ") and "\n" not in message, message
            if "crashed" in message:
                crashed.append(m)
                outcomes["crashed in the child"] += 1
            else:
                outcomes["refused by llama.cpp"] += 1
        else:
            outcomes["loaded"] += 1
    tried = sum(outcomes.values())
    print(f"\nhazard sample: {tried} files; " + ", ".join(f"{k}: {v}" for k, v in outcomes.items()))
    assert tried >= 40
    # the one fault gguf_check leaves to the probe on purpose: a ViT layer of the wrong shape
    assert crashed and all(m.kind == "layer_shape" and "mmproj" in m.source for m in crashed)


# --- random input ----------------------------------------------------------------------


def _only_model_error(data: bytes) -> None:
    try:
        check_bytes(data, "fuzz.gguf")
    except ModelError as e:
        assert str(e).startswith("fuzz.gguf: ") and "\n" not in str(e)


@settings(max_examples=300, deadline=None)
@given(st.binary(max_size=2048))
def test_random_bytes_raise_only_model_error(data: bytes) -> None:
    _only_model_error(data)


@settings(max_examples=300, deadline=None)
@given(st.binary(max_size=2048))
def test_random_bytes_after_a_valid_preamble_raise_only_model_error(tail: bytes) -> None:
    _only_model_error(b"GGUF\x03\x00\x00\x00" + tail)


@settings(max_examples=200, deadline=None)
@given(data=st.data())
def test_prefixes_and_overwrites_of_a_valid_file_raise_only_model_error(
    tiny_models: Callable[..., Converted], data: st.DataObject
) -> None:
    pair = tiny_models(*data.draw(st.sampled_from(VARIANTS)))
    raw = bytearray(_file(pair, data.draw(st.sampled_from(ROLES))).read_bytes())
    end = data.draw(st.integers(0, len(raw)))
    for _ in range(data.draw(st.integers(0, 4)) if end else 0):  # bytes of the header rewritten
        raw[data.draw(st.integers(0, min(end, 40_000) - 1))] = data.draw(st.integers(0, 255))
    _only_model_error(bytes(raw[:end]))
