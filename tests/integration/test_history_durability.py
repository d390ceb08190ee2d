"""History durability (issue 6, item 3): SIGKILL the writer at random moments, lose nothing.

A child process opens the history and saves turns the way the app does — user messages,
attachments, answers streamed as `streaming` updates and finished as `complete` or
`interrupted`, new conversations, the odd delete — and prints one line per COMMITTED
change (after the call returned, flushed). The parent kills it with SIGKILL after a
random 5–80 ms (seeded), starts the next one on the same file, and after N rounds checks:

- every message the children reported is there with the reported text (a streamed
  answer may have grown further, and a `streaming` one is `interrupted` now);
- a delete that was started but not reported happened completely or not at all;
- every linked attachment file exists with its hash;
- SQLite's `integrity_check` is "ok", no file was set aside as damaged, no temporary
  attachment file is left, and the store opens and takes new writes.

Kills land during start-up (recovery, index sync, garbage collection) as well as during
writes, since the delay is counted from the child's first line, printed just before it
opens the store (after its imports, which would otherwise eat most of the window).

BLUELM_KILL_ROUNDS (default 200) and BLUELM_KILL_SEED set the number of kills and the
seed; a run of 200 takes about 30–40 s on two cores. The figures are printed at the end
(`pytest -s` shows them).
"""

from __future__ import annotations

import hashlib
import os
import random
import signal
import sqlite3
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from bluelm_desktop.core.history import HistoryStore

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(not hasattr(signal, "SIGKILL"), reason="needs POSIX SIGKILL"),
]

ROUNDS = int(os.environ.get("BLUELM_KILL_ROUNDS", "200"))
SEED = int(os.environ.get("BLUELM_KILL_SEED", "20241114"))
MIN_DELAY_S = 0.005
MAX_DELAY_S = 0.080
START_TIMEOUT_S = 30.0

CHILD = r"""
import hashlib, random, sys
from pathlib import Path

ALPHABET = "abcdefghij klmnop qrstuvwxyz 0123456789 发票金额合同条款 émoji😀 Ärger\n"

def say(*parts):
    sys.stdout.write(" ".join(str(p) for p in parts) + "\n")
    sys.stdout.flush()

def digest(text):
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:16]

def report(message):
    atts = ",".join(a.sha256 for a in message.attachments) or "-"
    say("M", message.id, message.conversation_id, message.status, len(message.text),
        digest(message.text), atts)

from bluelm_desktop.core.history import HistoryStore

say("S")  # imports done: the parent's random delay starts now

path, seed = Path(sys.argv[1]), int(sys.argv[2])
rng = random.Random(seed)
words = lambda n: "".join(rng.choice(ALPHABET) for _ in range(n))
store = HistoryStore(path)
say("O")
conversations = [c.id for c in store.list_conversations()]
if not conversations or rng.random() < 0.3:
    conversations.insert(0, store.create_conversation(f"round {seed}").id)
    say("C", conversations[0])
current = conversations[0]
while True:
    roll = rng.random()
    if roll < 0.03 and len(conversations) > 3:
        victim = conversations.pop()
        say("D?", victim)
        store.delete(victim)
        say("D", victim)
        continue
    if roll < 0.08:
        current = store.create_conversation(words(20)).id
        conversations.insert(0, current)
        say("C", current)
    attachments = []
    if rng.random() < 0.15:
        attachments.append(store.add_attachment(rng.randbytes(rng.randint(1, 200_000)), "a.bin"))
    report(store.add_message(current, "user", words(rng.randint(1, 300)), attachments=attachments))
    answer = store.add_message(current, "assistant", "", status="streaming")
    report(answer)
    text = ""
    for _ in range(rng.randint(3, 15)):
        text += words(rng.randint(5, 60))
        store.update_message(answer.id, text=text)
        say("M", answer.id, current, "streaming", len(text), digest(text), "-")
    final = "complete" if rng.random() < 0.9 else "interrupted"
    store.update_message(answer.id, status=final)
    say("M", answer.id, current, final, len(text), digest(text), "-")
"""


@dataclass
class Reported:
    """What the children said was committed, merged over every round."""

    messages: dict[int, tuple[int, str, int, str, tuple[str, ...]]] = field(default_factory=dict)
    conversations: set[int] = field(default_factory=set)
    deleted: set[int] = field(default_factory=set)
    maybe_deleted: set[int] = field(default_factory=set)
    lines: int = 0

    def take(self, line: str) -> None:
        parts = line.split()
        if not parts:
            return
        self.lines += 1
        kind = parts[0]
        if kind == "M":
            mid, cid, status, length, sha, atts = parts[1:7]
            shas = () if atts == "-" else tuple(atts.split(","))
            self.messages[int(mid)] = (int(cid), status, int(length), sha, shas)
        elif kind == "C":
            self.conversations.add(int(parts[1]))
        elif kind == "D?":
            self.maybe_deleted.add(int(parts[1]))
        elif kind == "D":
            self.deleted.add(int(parts[1]))
            self.maybe_deleted.discard(int(parts[1]))


def digest(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:16]


def test_sigkill_while_streaming_loses_no_committed_message(tmp_path: Path) -> None:
    script = tmp_path / "child.py"
    script.write_text(CHILD, encoding="utf-8")
    db = tmp_path / "data" / "history.db"
    rng = random.Random(SEED)
    reported = Reported()
    killed_before_open = 0
    started = time.perf_counter()
    for round_no in range(ROUNDS):
        child = subprocess.Popen(
            [sys.executable, str(script), str(db), str(SEED * 1000 + round_no)],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            encoding="utf-8",
        )
        assert child.stdout is not None and child.stderr is not None
        first = child.stdout.readline()
        if first.strip() != "S":
            child.kill()
            child.wait()
            pytest.fail(f"round {round_no}: child did not start: {child.stderr.read()}")
        time.sleep(rng.uniform(MIN_DELAY_S, MAX_DELAY_S))
        exited = child.poll()
        child.send_signal(signal.SIGKILL)
        child.wait(timeout=START_TIMEOUT_S)
        rest, err = child.stdout.read(), child.stderr.read()
        child.stdout.close()
        child.stderr.close()
        assert exited is None, f"round {round_no}: child exited by itself ({exited}): {err}"
        lines = rest.splitlines()
        # A line cut by the kill has no newline; it is not a report (print is atomic for
        # short lines on a pipe, so this is rare) and is dropped.
        if rest and not rest.endswith("\n"):
            lines = lines[:-1]
        if "O" not in lines:
            killed_before_open += 1
        for line in lines:
            reported.take(line)
    kill_phase_s = time.perf_counter() - started

    # The file exactly as the last killed child left it.
    raw = sqlite3.connect(db)
    try:
        assert raw.execute("PRAGMA integrity_check").fetchall() == [("ok",)]
    finally:
        raw.close()

    checked = 0
    with HistoryStore(db) as store:
        assert store.recovery is None
        assert not list(db.parent.glob("*.corrupt-*"))
        assert store.integrity_check()
        for mid, (cid, status, length, sha, atts) in reported.messages.items():
            got = store.message(mid)
            if cid in reported.deleted:
                assert got is None, f"message {mid} of deleted conversation {cid} is back"
                continue
            if cid in reported.maybe_deleted:
                continue  # checked as a whole below
            assert got is not None, f"committed message {mid} ({status}) was lost"
            checked += 1
            if status == "streaming":
                # The child may have committed more before it died; never less.
                assert got.status in ("interrupted", "complete"), (mid, got.status)
                assert digest(got.text[:length]) == sha, f"message {mid} lost streamed text"
            else:
                assert (got.status, len(got.text), digest(got.text)) == (status, length, sha)
            assert tuple(a.sha256 for a in got.attachments) == atts
            for a in got.attachments:
                data = store.attachment_path(a).read_bytes()
                assert hashlib.sha256(data).hexdigest() == a.sha256
        for cid in reported.maybe_deleted:
            expected = [m for m, v in reported.messages.items() if v[0] == cid]
            present = [m for m in expected if store.message(m) is not None]
            assert present in ([], expected), f"conversation {cid} half deleted"
        assert not list(store.attachments_dir.glob(".tmp-*"))
        streaming = (
            store._require_open()
            .execute("SELECT count(*) FROM messages WHERE status = 'streaming'")
            .fetchone()[0]
        )
        assert streaming == 0
        c = store.create_conversation("after the storm")
        m = store.add_message(c.id, "user", "still taking writes")
    with HistoryStore(db) as store:
        assert store.message(m.id) == m
    total_s = time.perf_counter() - started

    print(
        f"\nhistory durability: {ROUNDS} SIGKILLs (seed {SEED}, {killed_before_open} during "
        f"start-up), {reported.lines} committed changes reported, {checked} messages "
        f"checked, {len(reported.conversations)} conversations created, "
        f"{len(reported.deleted)} deleted; kill phase {kill_phase_s:.1f} s, "
        f"total {total_s:.1f} s"
    )
    assert checked > ROUNDS  # the kills did land among real work
