"""The conversation history: every public operation, its failures, and its recovery paths.

Each test gets its own data directory. Search runs twice where it matters — through the
FTS5 trigram index and through the plain scan the store falls back to when SQLite lacks
FTS5 — because both must give the same answers.
"""

from __future__ import annotations

import hashlib
import sqlite3
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from bluelm_desktop.core import paths
from bluelm_desktop.core.errors import Line
from bluelm_desktop.core.history import (
    SCHEMA_VERSION,
    Attachment,
    HistoryError,
    HistoryStore,
    line_from_json,
    line_to_json,
    open_history,
)
from bluelm_desktop.core.history import store as store_module
from bluelm_desktop.core.history.files import TEMP_PREFIX

# ---------------------------------------------------------------------------- fixtures


@pytest.fixture
def db_path(tmp_path: Path) -> Path:
    return tmp_path / "data" / "history.db"


@pytest.fixture
def store(db_path: Path) -> Iterator[HistoryStore]:
    with HistoryStore(db_path) as s:
        yield s


@pytest.fixture(params=["fts", "scan"])
def search_store(
    request: pytest.FixtureRequest, db_path: Path, monkeypatch: pytest.MonkeyPatch
) -> Iterator[HistoryStore]:
    """A store searching through the FTS5 index, or one that believes FTS5 is missing."""
    if request.param == "scan":
        monkeypatch.setattr(store_module, "fts_available", lambda conn: False)
    with HistoryStore(db_path) as s:
        assert s.full_text_search is (request.param == "fts")
        yield s


def pragma(path: Path, name: str) -> object:
    conn = sqlite3.connect(path)
    try:
        return conn.execute(f"PRAGMA {name}").fetchone()[0]
    finally:
        conn.close()


def stored_files(store: HistoryStore) -> list[Path]:
    root = store.attachments_dir
    return sorted(p for p in root.rglob("*") if p.is_file()) if root.exists() else []


# ---------------------------------------------------------------------------- opening


def test_new_file_is_wal_with_schema_version(store: HistoryStore, db_path: Path) -> None:
    assert db_path.is_file()
    conn = store._require_open()
    assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    assert conn.execute("PRAGMA synchronous").fetchone()[0] == 1  # NORMAL
    assert conn.execute("PRAGMA foreign_keys").fetchone()[0] == 1
    assert conn.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION
    assert store.recovery is None
    assert store.interrupted_on_open == 0
    assert store.integrity_check()


def test_open_history_uses_the_data_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(paths, "_base_dir", None)
    monkeypatch.setenv(paths.ENV_DATA_DIR, str(tmp_path / "base"))
    with open_history() as s:
        assert s.path == tmp_path / "base" / "history.db"
        assert s.attachments_dir == tmp_path / "base" / "attachments"


def test_close_is_idempotent_and_closed_store_refuses(db_path: Path) -> None:
    s = HistoryStore(db_path)
    s.close()
    s.close()
    with pytest.raises(HistoryError, match=r"history\.db: the history is closed"):
        s.list_conversations()


def test_reopen_keeps_everything(db_path: Path) -> None:
    with HistoryStore(db_path) as s:
        c = s.create_conversation("kept")
        m = s.add_message(c.id, "user", "hello", meta={"model": "tiny"})
        s.set_state("last_conversation", c.id)
    with HistoryStore(db_path) as s:
        assert [x.title for x in s.list_conversations()] == ["kept"]
        assert s.messages(c.id) == [m]
        assert s.get_state("last_conversation") == c.id


# ---------------------------------------------------------------------------- conversations


def test_conversations_create_rename_get_list(store: HistoryStore) -> None:
    a = store.create_conversation("first")
    b = store.create_conversation("second")
    assert store.get(a.id) == a
    assert store.get(10_000) is None
    assert [c.id for c in store.list_conversations()] == [b.id, a.id]

    store.add_message(a.id, "user", "bump")  # use moves a conversation to the top
    assert [c.id for c in store.list_conversations()] == [a.id, b.id]

    renamed = store.rename(b.id, "renamed")
    assert renamed.title == "renamed" and renamed.updated_at == b.updated_at
    assert store.get(b.id) == renamed
    assert [c.id for c in store.list_conversations()] == [a.id, b.id]  # renaming is not use

    with pytest.raises(HistoryError, match=r"history\.db: no conversation with id 999"):
        store.rename(999, "x")


def test_delete_cascades_messages_and_links(store: HistoryStore) -> None:
    c = store.create_conversation("doomed")
    att = store.add_attachment(b"invoice bytes", "invoice.png")
    m = store.add_message(c.id, "user", "what is the total?", attachments=[att])
    store.add_message(c.id, "assistant", "42")
    assert store.delete(c.id) is True
    assert store.get(c.id) is None
    assert store.messages(c.id) == []
    assert store.message(m.id) is None
    assert store.search("total") == []
    conn = store._require_open()
    assert conn.execute("SELECT count(*) FROM message_attachments").fetchone()[0] == 0
    assert store.delete(c.id) is False  # twice is harmless
    assert store.integrity_check()


# ---------------------------------------------------------------------------- messages


def test_messages_round_trip_in_order(store: HistoryStore) -> None:
    c = store.create_conversation("chat")
    m1 = store.add_message(c.id, "system", "be brief")
    m2 = store.add_message(c.id, "user", "hi", meta={"tokens": 3, "grid": [2, 4]})
    m3 = store.add_message(c.id, "assistant", "hello", status="error", meta={"why": "oom"})
    assert store.messages(c.id) == [m1, m2, m3]
    assert m2.meta == {"tokens": 3, "grid": [2, 4]}
    assert store.message(m3.id) == m3
    assert store.message(123456) is None
    assert m1.id < m2.id < m3.id


def test_message_arguments_are_checked(store: HistoryStore) -> None:
    c = store.create_conversation("chat")
    with pytest.raises(ValueError, match="unknown role"):
        store.add_message(c.id, "robot", "x")
    with pytest.raises(ValueError, match="unknown status"):
        store.add_message(c.id, "user", "x", status="done")
    with pytest.raises(ValueError, match="JSON"):
        store.add_message(c.id, "user", "x", meta={"f": object()})
    with pytest.raises(HistoryError, match="no conversation with id 777"):
        store.add_message(777, "user", "x")
    foreign = Attachment("0" * 64, "ghost.png", "image/png", 1)
    with pytest.raises(HistoryError, match=r"attachment 'ghost\.png' .* is not stored"):
        store.add_message(c.id, "user", "x", attachments=[foreign])
    assert store.messages(c.id) == []  # every failure rolled back


def test_streaming_answer_updates_then_completes(store: HistoryStore) -> None:
    c = store.create_conversation("chat")
    q = store.add_message(c.id, "user", "translate this")
    a = store.add_message(c.id, "assistant", "", status="streaming")
    partial = ""
    for piece in ["Bon", "jour", " à", " tous"]:
        partial += piece
        store.update_message(a.id, text=partial)
        got = store.message(a.id)
        assert got is not None and got.text == partial and got.status == "streaming"
    store.update_message(a.id, status="complete", meta={"tok_s": 24.4})
    got = store.message(a.id)
    assert got is not None
    assert (got.text, got.status, got.meta) == ("Bonjour à tous", "complete", {"tok_s": 24.4})
    assert got.updated_at >= got.created_at
    assert [m.id for m in store.messages(c.id)] == [q.id, a.id]
    assert [h.message_id for h in store.search("jour à")] == [a.id]
    with pytest.raises(ValueError, match="unknown status"):
        store.update_message(a.id, status="finished")
    with pytest.raises(HistoryError, match="no message with id 999"):
        store.update_message(999, text="x")


def test_stop_keeps_the_partial_answer_as_interrupted(store: HistoryStore) -> None:
    c = store.create_conversation("chat")
    a = store.add_message(c.id, "assistant", "", status="streaming")
    store.update_message(a.id, text="The total is")
    store.update_message(a.id, status="interrupted")
    got = store.message(a.id)
    assert got is not None and (got.text, got.status) == ("The total is", "interrupted")


def test_streaming_left_by_a_crash_becomes_interrupted(db_path: Path) -> None:
    s = HistoryStore(db_path)
    c = s.create_conversation("chat")
    done = s.add_message(c.id, "assistant", "finished answer")
    cut = s.add_message(c.id, "assistant", "", status="streaming")
    s.update_message(cut.id, text="half an answer about invoices")
    # As after a crash: the answer is only in the -wal (another connection stops the
    # close from checkpointing it). The real thing, SIGKILL, is the durability test.
    bystander = sqlite3.connect(db_path)
    bystander.execute("SELECT count(*) FROM messages").fetchone()
    s.close()
    assert Path(f"{db_path}-wal").stat().st_size > 0
    with HistoryStore(db_path) as s2:
        assert s2.interrupted_on_open == 1
        got = s2.message(cut.id)
        assert got is not None
        assert (got.text, got.status) == ("half an answer about invoices", "interrupted")
        assert s2.message(done.id) == done
        assert [h.message_id for h in s2.search("invoices")] == [cut.id]
    bystander.close()
    with HistoryStore(db_path) as s3:
        assert s3.interrupted_on_open == 0


def test_truncate_after_for_regenerate(store: HistoryStore) -> None:
    c = store.create_conversation("chat")
    other = store.create_conversation("other")
    q = store.add_message(c.id, "user", "question")
    a1 = store.add_message(c.id, "assistant", "first answer")
    store.add_message(c.id, "user", "follow-up")
    keep = store.add_message(other.id, "user", "untouched")
    assert store.truncate_after(c.id, q.id) == 2
    assert [m.id for m in store.messages(c.id)] == [q.id]
    assert store.messages(other.id) == [keep]
    assert store.search("first answer") == []
    a2 = store.add_message(c.id, "assistant", "second answer")
    assert a2.id > a1.id  # ids are never reused: a stale id cannot hit the new answer
    assert store.truncate_after(c.id, a2.id) == 0
    with pytest.raises(HistoryError, match=f"message {keep.id} is not in conversation"):
        store.truncate_after(c.id, keep.id)


# ---------------------------------------------------------------------------- attachments


def test_attachment_from_path_and_bytes_dedup(store: HistoryStore, tmp_path: Path) -> None:
    data = b"%PDF-1.7 pretend invoice " * 1000
    src = tmp_path / "Invoice March.pdf"
    src.write_bytes(data)
    a = store.add_attachment(src)
    b = store.add_attachment(data, "copy.pdf", "application/x-custom")
    sha = hashlib.sha256(data).hexdigest()
    assert (a.sha256, a.name, a.mime, a.size) == (
        sha,
        "Invoice March.pdf",
        "application/pdf",
        len(data),
    )
    assert (b.sha256, b.name, b.mime) == (sha, "copy.pdf", "application/x-custom")
    path = store.attachment_path(a)
    assert path == store.attachments_dir / sha[:2] / sha
    assert path.read_bytes() == data
    assert store.attachment_path(sha) == path
    assert stored_files(store) == [path]  # one copy, no temporaries

    c = store.create_conversation("docs")
    m = store.add_message(c.id, "user", "compare", attachments=[a, b])
    assert store.messages(c.id)[0].attachments == (a, b) == m.attachments


def test_attachment_source_errors_name_the_file(store: HistoryStore, tmp_path: Path) -> None:
    missing = tmp_path / "gone.png"
    with pytest.raises(HistoryError, match=r"gone\.png: cannot read attachment"):
        store.add_attachment(missing)
    with pytest.raises(HistoryError, match=r"cannot read attachment"):
        store.add_attachment(tmp_path)  # a directory
    assert stored_files(store) == []


def test_attachment_disk_full_is_a_history_error(
    store: HistoryStore, monkeypatch: pytest.MonkeyPatch
) -> None:
    def no_space(fd: int) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr("bluelm_desktop.core.history.files.os.fsync", no_space)
    with pytest.raises(HistoryError, match=r"attachments: cannot store attachment: No space"):
        store.add_attachment(b"x" * 100, "a.bin")
    assert stored_files(store) == []  # the temporary file went too


def test_attachment_gc_after_delete_and_truncate(store: HistoryStore) -> None:
    shared = store.add_attachment(b"shared page", "p.png")
    alone = store.add_attachment(b"only here", "q.png")
    c1 = store.create_conversation("one")
    c2 = store.create_conversation("two")
    store.add_message(c1.id, "user", "a", attachments=[shared, alone])
    q = store.add_message(c2.id, "user", "b")
    store.add_message(c2.id, "user", "c", attachments=[shared])

    store.delete(c1.id)
    assert not store.attachment_path(alone).exists()
    assert store.attachment_path(shared).exists()  # still used by c2

    store.truncate_after(c2.id, q.id)
    assert not store.attachment_path(shared).exists()
    assert stored_files(store) == []
    conn = store._require_open()
    assert conn.execute("SELECT count(*) FROM attachments").fetchone()[0] == 0


def test_pending_attachment_survives_gc_until_linked(db_path: Path) -> None:
    with HistoryStore(db_path) as s:
        other = s.create_conversation("other")
        s.add_message(other.id, "user", "x", attachments=[s.add_attachment(b"old", "o")])
        fresh = s.add_attachment(b"dropped while typing", "new.png")
        s.delete(other.id)  # GC runs while `fresh` is not linked yet
        assert s.attachment_path(fresh).exists()
        assert s.collect_garbage() == 0
        c = s.create_conversation("c")
        s.add_message(c.id, "user", "about this", attachments=[fresh])
        never_sent = s.add_attachment(b"dropped, never sent", "x.png")
    with HistoryStore(db_path) as s:  # a new run: unlinked content is garbage now
        assert not s.attachment_path(never_sent).exists()
        assert s.attachment_path(fresh).read_bytes() == b"dropped while typing"


def test_startup_sweeps_temporaries_and_strays(db_path: Path) -> None:
    with HistoryStore(db_path) as s:
        c = s.create_conversation("c")
        kept = s.add_attachment(b"kept", "k")
        s.add_message(c.id, "user", "x", attachments=[kept])
        root = s.attachments_dir
    stray_sha = hashlib.sha256(b"stray").hexdigest()
    stray = root / stray_sha[:2] / stray_sha  # written, then killed before the commit
    stray.parent.mkdir(parents=True, exist_ok=True)
    stray.write_bytes(b"stray")
    temp = root / f"{TEMP_PREFIX}killed"
    temp.write_bytes(b"half")
    unrelated = root / "README.txt"  # not ours: never touched
    unrelated.write_text("hello")
    with HistoryStore(db_path) as s:
        assert not stray.exists() and not temp.exists()
        assert unrelated.exists()
        assert s.attachment_path(kept).read_bytes() == b"kept"


def test_a_new_database_never_sweeps_existing_files(db_path: Path) -> None:
    with HistoryStore(db_path) as s:
        c = s.create_conversation("c")
        att = s.add_attachment(b"the user's scan", "scan.png")
        s.add_message(c.id, "user", "x", attachments=[att])
        kept = s.attachment_path(att)
    for suffix in ("", "-wal", "-shm"):
        Path(f"{db_path}{suffix}").unlink(missing_ok=True)  # the database is lost
    with HistoryStore(db_path) as s:
        assert s.list_conversations() == []
    with HistoryStore(db_path) as s:
        assert kept.read_bytes() == b"the user's scan"  # someone may still restore it


# ---------------------------------------------------------------------------- app state


def test_app_state_round_trip(db_path: Path) -> None:
    with HistoryStore(db_path) as s:
        assert s.get_state("geometry") is None
        assert s.get_state("geometry", {"w": 800}) == {"w": 800}
        s.set_state("geometry", {"x": 10, "y": 20, "w": 1280, "h": 800, "maximized": False})
        s.set_state("last_conversation", 3)
        s.set_state("last_conversation", 4)
        s.set_state("splitter", [200, 900])
        s.set_state("nothing", None)
        with pytest.raises(ValueError, match="JSON"):
            s.set_state("bad", {1, 2})
        s.delete_state("splitter")
    with HistoryStore(db_path) as s:
        assert s.get_state("geometry") == {
            "x": 10,
            "y": 20,
            "w": 1280,
            "h": 800,
            "maximized": False,
        }
        assert s.get_state("last_conversation") == 4
        assert s.get_state("splitter", "gone") == "gone"
        assert s.get_state("nothing", "default") is None


# ---------------------------------------------------------------------------- search


def test_search_titles_and_messages(search_store: HistoryStore) -> None:
    s = search_store
    inv = s.create_conversation("Invoice ACME March")
    other = s.create_conversation("Holiday plans")
    q = s.add_message(inv.id, "user", "What is the total of this invoice?")
    a = s.add_message(inv.id, "assistant", "The total is 1,234.50 EUR including VAT.")
    s.add_message(other.id, "user", "Pack sunscreen.")
    cn = s.add_message(other.id, "user", "这是一张发票,请提取金额。")

    hits = s.search("invoice")
    assert [(h.conversation_id, h.message_id) for h in hits] == [(inv.id, None), (inv.id, q.id)]
    assert hits[0].title == "Invoice ACME March"

    assert [h.message_id for h in s.search("TOTAL")] == [a.id, q.id]  # newest first
    assert [h.message_id for h in s.search("total eur")] == [a.id]  # every term
    assert s.search("total sunscreen") == []
    assert [h.message_id for h in s.search("发票")] == [cn.id]  # two CJK characters
    assert [h.message_id for h in s.search("提取金额")] == [cn.id]
    assert s.search("   ") == [] and s.search("") == []
    assert len(s.search("t", limit=2)) == 2


def test_search_is_literal_and_unicode_case_insensitive(search_store: HistoryStore) -> None:
    s = search_store
    c = s.create_conversation("x")
    m1 = s.add_message(c.id, "user", 'He said "AND" then NEAR(a b) and 50% off_all * -x')
    m2 = s.add_message(c.id, "user", "Der ÄRGER über Straßen")
    assert [h.message_id for h in s.search('"AND"')] == [m1.id]
    assert [h.message_id for h in s.search("NEAR(a")] == [m1.id]
    assert [h.message_id for h in s.search("50%")] == [m1.id]
    assert [h.message_id for h in s.search("off_all")] == [m1.id]
    assert s.search("50_") == []  # LIKE wildcards are not wildcards here
    assert [h.message_id for h in s.search("*")] == [m1.id]
    assert [h.message_id for h in s.search("ärger")] == [m2.id]
    assert [h.message_id for h in s.search("STRASSEN")] == []  # no folding ß → ss
    assert [h.message_id for h in s.search("straßen")] == [m2.id]
    m3 = s.add_message(c.id, "user", "pasted bin\x00ary, then the tail")
    assert [h.message_id for h in s.search("tail")] == [m3.id]  # NUL hides nothing


def test_search_snippet_and_highlights(search_store: HistoryStore) -> None:
    s = search_store
    c = s.create_conversation("long")
    body = "intro " * 40 + "the Grand total\nis here " + "outro " * 40
    s.add_message(c.id, "assistant", body)
    (hit,) = s.search("grand TOTAL")
    assert hit.snippet.startswith("…") and hit.snippet.endswith("…")
    assert "\n" not in hit.snippet
    marked = [hit.snippet[a:b] for a, b in hit.highlights]
    assert marked == ["Grand", "total"]
    assert len(hit.snippet) < 140


def test_index_is_rebuilt_when_fts_comes_back(
    db_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    with HistoryStore(db_path) as s:
        c = s.create_conversation("c")
        old = s.add_message(c.id, "user", "indexed from the start")
    with monkeypatch.context() as m:
        m.setattr(store_module, "fts_available", lambda conn: False)
        with HistoryStore(db_path) as s:  # e.g. run once with a SQLite lacking FTS5
            assert not s.full_text_search
            new = s.add_message(c.id, "user", "written without the index")
            s.truncate_after(c.id, old.id)
            newer = s.add_message(c.id, "user", "also written without the index")
    with HistoryStore(db_path) as s:
        assert s.full_text_search
        assert [h.message_id for h in s.search("without the index")] == [newer.id]
        assert new.id != newer.id
        assert [h.message_id for h in s.search("from the start")] == [old.id]


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(text=st.text(), title=st.text(max_size=200), meta_value=st.text(max_size=50))
def test_any_text_round_trips(
    tmp_path_factory: pytest.TempPathFactory, text: str, title: str, meta_value: str
) -> None:
    path = tmp_path_factory.mktemp("roundtrip") / "history.db"
    with HistoryStore(path, verify_on_open=False) as s:
        c = s.create_conversation(title)
        m = s.add_message(c.id, "user", text, meta={"v": meta_value})
        a = s.add_message(c.id, "assistant", "", status="streaming")
        s.update_message(a.id, text=text, status="complete")
    with HistoryStore(path, verify_on_open=False) as s:
        got = s.messages(c.id)
        assert [g.text for g in got] == [text, text]
        assert got[0].meta == {"v": meta_value} and got[0] == m
        got_c = s.get(c.id)
        assert got_c is not None and (got_c.id, got_c.title) == (c.id, c.title)


@settings(max_examples=60, deadline=None)
@given(st.text(alphabet=st.characters(categories=["Cs"]), min_size=1, max_size=4))
def test_lone_surrogates_are_replaced_not_fatal(
    tmp_path_factory: pytest.TempPathFactory, junk: str
) -> None:
    path = tmp_path_factory.mktemp("surrogates") / "history.db"
    with HistoryStore(path, verify_on_open=False) as s:
        c = s.create_conversation("half an emoji " + junk)
        m = s.add_message(c.id, "user", "pasted " + junk + " text")
        stored = s.messages(c.id)[0].text
    assert stored == m.text
    assert stored.startswith("pasted ") and stored.endswith(" text")
    stored.encode("utf-8")  # now always encodable


def test_surrogate_pair_is_joined() -> None:
    assert store_module._clean("\ud83d\ude00") == "😀"
    assert store_module._clean("a\ud800b") == "a\ufffdb"


@pytest.mark.parametrize("mode", ["fts", "scan"])
@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data())
def test_any_stored_substring_is_found(
    tmp_path_factory: pytest.TempPathFactory, mode: str, data: st.DataObject
) -> None:
    text = data.draw(st.text(min_size=1, max_size=300), label="text")
    i = data.draw(st.integers(0, len(text) - 1), label="start")
    j = data.draw(st.integers(i + 1, min(len(text), i + 12)), label="end")
    term = text[i:j]
    assume(term.split() == [term])  # one term: no whitespace inside or around it
    path = tmp_path_factory.mktemp("search") / "history.db"
    with pytest.MonkeyPatch.context() as mp:
        if mode == "scan":
            mp.setattr(store_module, "fts_available", lambda conn: False)
        with HistoryStore(path, verify_on_open=False) as s:
            c = s.create_conversation("t")
            m = s.add_message(c.id, "user", text)
            hits = s.search(term)
    assert m.id in [h.message_id for h in hits]
    hit = next(h for h in hits if h.message_id == m.id)
    assert hit.highlights  # the term is marked in the snippet
    for a, b in hit.highlights:
        assert 0 <= a < b <= len(hit.snippet)


# ---------------------------------------------------------------------------- damage


def test_garbage_file_is_set_aside_and_a_new_history_started(db_path: Path) -> None:
    db_path.parent.mkdir(parents=True)
    garbage = bytes(range(256)) * 64
    db_path.write_bytes(garbage)
    with HistoryStore(db_path) as s:
        rec = s.recovery
        assert rec is not None
        assert rec.moved_to.read_bytes() == garbage  # kept byte for byte
        assert rec.moved_to.name.startswith("history.db.corrupt-")
        assert (rec.conversations, rec.messages) == (0, 0)
        line = str(rec)
        assert str(db_path) in line and rec.moved_to.name in line and "\n" not in line
        # What the UI translates: the template, with the reason a nested line of ours.
        assert rec.line.template.startswith("{path}: the history was damaged ({reason})")
        assert isinstance(rec.line.values["reason"], Line) and str(rec.line) == line
        c = s.create_conversation("works again")
        s.add_message(c.id, "user", "hello")
        assert s.integrity_check()
    with HistoryStore(db_path) as s:
        assert s.recovery is None
        assert [c.title for c in s.list_conversations()] == ["works again"]


def test_two_recoveries_in_the_same_second_keep_both_files(db_path: Path) -> None:
    db_path.parent.mkdir(parents=True)
    moved = []
    for n in range(2):
        db_path.write_bytes(b"not a database %d" % n * 100)
        for suffix in ("-wal", "-shm"):
            Path(f"{db_path}{suffix}").unlink(missing_ok=True)
        with HistoryStore(db_path) as s:
            assert s.recovery is not None
            moved.append(s.recovery.moved_to)
    assert moved[0] != moved[1]
    assert moved[0].read_bytes() != moved[1].read_bytes()


def _fill(db_path: Path, conversations: int = 3, per: int = 40) -> dict[int, str]:
    texts = {}
    with HistoryStore(db_path) as s:
        att = s.add_attachment(b"linked scan", "scan.png")
        for i in range(conversations):
            c = s.create_conversation(f"conversation {i}")
            for j in range(per):
                m = s.add_message(
                    c.id,
                    "user",
                    f"message {i}/{j} " + "lorem ipsum " * 20,
                    attachments=[att] if j == 0 else (),
                )
                texts[m.id] = m.text
        s.set_state("last_conversation", 2)
    return texts


def _page_of(db_path: Path, name: str) -> int:
    conn = sqlite3.connect(db_path)
    try:
        return int(
            conn.execute(
                "SELECT pageno FROM dbstat WHERE name = ? ORDER BY pageno DESC LIMIT 1", (name,)
            ).fetchone()[0]
        )
    finally:
        conn.close()


def test_damaged_index_page_is_salvaged(db_path: Path) -> None:
    texts = _fill(db_path)
    page = _page_of(db_path, "messages_by_conversation")
    page_size = int(pragma(db_path, "page_size"))  # type: ignore[call-overload]
    with open(db_path, "r+b") as f:
        f.seek((page - 1) * page_size)
        f.write(b"\xa5" * page_size)
    with HistoryStore(db_path) as s:
        rec = s.recovery
        assert rec is not None and rec.reason.startswith("quick check")
        assert (rec.conversations, rec.messages) == (3, len(texts))
        for mid, text in texts.items():
            got = s.message(mid)
            assert got is not None and got.text == text
        first = s.message(min(texts))
        assert first is not None and len(first.attachments) == 1
        assert s.attachment_path(first.attachments[0]).read_bytes() == b"linked scan"
        assert s.get_state("last_conversation") == 2
        assert [h.message_id for h in s.search("message 1/7 ")] == [min(texts) + 40 + 7]
        assert s.integrity_check()
        ids = {m for c in s.list_conversations() for m in (x.id for x in s.messages(c.id))}
        assert ids == set(texts)


def test_messages_that_lost_their_conversation_get_a_placeholder(db_path: Path) -> None:
    texts = _fill(db_path, conversations=2, per=30)
    page = _page_of(db_path, "conversations")  # the table's only page: all titles lost
    page_size = int(pragma(db_path, "page_size"))  # type: ignore[call-overload]
    with open(db_path, "r+b") as f:
        f.seek((page - 1) * page_size)
        f.write(b"\x00\xff" * (page_size // 2))
    with HistoryStore(db_path) as s:
        assert s.recovery is not None
        titles = sorted(c.title for c in s.list_conversations())
        assert titles == ["Recovered conversation", "Recovered conversation"]
        assert sum(len(s.messages(c.id)) for c in s.list_conversations()) == len(texts)


def test_damage_found_mid_session_is_an_error_then_repaired(db_path: Path) -> None:
    _fill(db_path, conversations=1, per=50)
    s = HistoryStore(db_path)
    try:
        page = _page_of(db_path, "messages")
        page_size = int(pragma(db_path, "page_size"))  # type: ignore[call-overload]
        with open(db_path, "r+b") as f:
            f.seek((page - 1) * page_size)
            f.write(b"\x0f" * page_size)
        # Another program's commit makes the store's connection drop its page cache.
        other = sqlite3.connect(db_path)
        other.execute("INSERT INTO app_state VALUES ('poke', '1')")
        other.commit()
        other.close()
        with pytest.raises(HistoryError, match=r"history\.db: cannot .*damaged.*set aside"):
            for c in s.list_conversations():
                s.messages(c.id)
            s.search("lorem")
    finally:
        s.close()
    with HistoryStore(db_path) as s2:
        assert s2.recovery is not None
        assert s2.integrity_check()


# ---------------------------------------------------------------------------- other failures


def test_locked_by_another_program(db_path: Path) -> None:
    with HistoryStore(db_path, busy_timeout_s=0.05) as s:
        c = s.create_conversation("c")
        other = sqlite3.connect(db_path, isolation_level=None)
        try:
            other.execute("BEGIN EXCLUSIVE")
            with pytest.raises(HistoryError, match=r"history\.db: cannot save a message: .*locked"):
                s.add_message(c.id, "user", "x")
            other.execute("ROLLBACK")
        finally:
            other.close()
        s.add_message(c.id, "user", "after the lock")  # usable again
        assert len(s.messages(c.id)) == 1


def test_disk_full_is_an_error_and_the_store_stays_usable(store: HistoryStore) -> None:
    c = store.create_conversation("c")
    conn = store._require_open()
    (pages,) = conn.execute("PRAGMA page_count").fetchone()
    conn.execute(f"PRAGMA max_page_count = {pages + 2}")  # as if the disk filled up
    big = "x" * 100_000
    with pytest.raises(HistoryError,
                       match=r"history\.db: cannot save a message: the disk is full") as full:
        store.add_message(c.id, "user", big)
    assert full.value.line.template == "{path}: cannot {doing}: {reason}"
    assert full.value.line.values["doing"] == Line("save a message")
    assert full.value.line.values["reason"] == Line("the disk is full")
    assert store.messages(c.id) == []
    conn.execute("PRAGMA max_page_count = 1073741823")
    store.add_message(c.id, "user", big)
    assert store.integrity_check()


def test_newer_schema_is_refused_untouched(db_path: Path) -> None:
    with HistoryStore(db_path):
        pass
    conn = sqlite3.connect(db_path)
    conn.execute(f"PRAGMA user_version = {SCHEMA_VERSION + 5}")
    conn.close()
    before = db_path.read_bytes()
    with pytest.raises(HistoryError, match=r"history\.db: written by a newer BlueLM Desktop"):
        HistoryStore(db_path)
    assert db_path.read_bytes() == before
    assert not list(db_path.parent.glob("*.corrupt-*"))


def test_unopenable_path_is_a_history_error(tmp_path: Path) -> None:
    folder = tmp_path / "history.db"
    folder.mkdir()
    with pytest.raises(HistoryError, match=r"history\.db: cannot open the history"):
        HistoryStore(folder)
    blocker = tmp_path / "file"
    blocker.write_text("x")
    with pytest.raises(HistoryError, match=r"file/sub: cannot create directory"):
        HistoryStore(blocker / "sub" / "history.db")


def test_migration_runs_with_a_backup(db_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    with HistoryStore(db_path) as s:
        c = s.create_conversation("before v2")
        s.add_message(c.id, "user", "old message")

    def v2(conn: sqlite3.Connection) -> None:
        conn.execute("ALTER TABLE conversations ADD COLUMN pinned INTEGER NOT NULL DEFAULT 0")

    monkeypatch.setitem(store_module.MIGRATIONS, SCHEMA_VERSION + 1, v2)
    monkeypatch.setattr(store_module, "SCHEMA_VERSION", SCHEMA_VERSION + 1)
    with HistoryStore(db_path) as s:
        assert [m.text for m in s.messages(c.id)] == ["old message"]
        conn = s._require_open()
        assert conn.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION + 1
        assert conn.execute("SELECT pinned FROM conversations").fetchall() == [(0,)]
    backup = db_path.with_name(f"history.db.v{SCHEMA_VERSION}.bak")
    assert pragma(backup, "user_version") == SCHEMA_VERSION


def test_failed_migration_leaves_the_old_version(
    db_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    with HistoryStore(db_path) as s:
        s.create_conversation("kept")

    def broken(conn: sqlite3.Connection) -> None:
        conn.execute("ALTER TABLE conversations ADD COLUMN half INTEGER")
        raise RuntimeError("bug in migration")

    with monkeypatch.context() as m:
        m.setitem(store_module.MIGRATIONS, SCHEMA_VERSION + 1, broken)
        m.setattr(store_module, "SCHEMA_VERSION", SCHEMA_VERSION + 1)
        with pytest.raises(RuntimeError, match="bug in migration"):
            HistoryStore(db_path)
    assert pragma(db_path, "user_version") == SCHEMA_VERSION
    with HistoryStore(db_path) as s:
        assert [c.title for c in s.list_conversations()] == ["kept"]
        cols = [r[1] for r in s._require_open().execute("PRAGMA table_info(conversations)")]
        assert "half" not in cols


# ---------------------------------------------------------------------------- threads


def test_two_threads_write_at_once(store: HistoryStore) -> None:
    """The engine-event handler streams while the GUI's worker adds and reads."""
    c = store.create_conversation("busy")
    answer = store.add_message(c.id, "assistant", "", status="streaming")
    errors: list[BaseException] = []

    def engine() -> None:
        try:
            text = ""
            for i in range(300):
                text += f"tok{i} "
                store.update_message(answer.id, text=text)
            store.update_message(answer.id, status="complete")
        except BaseException as e:  # pragma: no cover - reported below
            errors.append(e)

    def gui() -> None:
        try:
            for i in range(100):
                other = store.create_conversation(f"side {i}")
                store.add_message(other.id, "user", f"q{i}")
                store.list_conversations()
                store.search("tok1")
        except BaseException as e:  # pragma: no cover - reported below
            errors.append(e)

    threads = [threading.Thread(target=engine), threading.Thread(target=gui)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    got = store.message(answer.id)
    assert got is not None and got.status == "complete" and got.text.endswith("tok299 ")
    assert len(store.list_conversations()) == 101
    assert store.integrity_check()


def test_damaged_search_index_falls_back_and_is_rebuilt(db_path: Path) -> None:
    """Damage only in the derived index must not block saves nor set the history aside."""
    with HistoryStore(db_path) as s:
        c = s.create_conversation("c")
        old = s.add_message(c.id, "user", "the quarterly invoice total")
        raw = s._require_open()
        raw.execute("UPDATE messages_fts_data SET block = x'ffffffff' WHERE id > 10")
        assert [h.message_id for h in s.search("quarterly")] == [old.id]  # by scan
        assert not s.full_text_search
        new = s.add_message(c.id, "assistant", "the quarterly total is 12")
        assert [h.message_id for h in s.search("quarterly total")] == [new.id, old.id]
    with HistoryStore(db_path) as s:
        assert s.recovery is None
        assert s.full_text_search  # rebuilt on start
        assert [h.message_id for h in s.search("quarterly total")] == [new.id, old.id]
        conn = s._require_open()
        conn.execute("INSERT INTO messages_fts (messages_fts) VALUES ('integrity-check')")
        assert s.integrity_check()


def test_damaged_search_index_does_not_block_a_save(
    db_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    with HistoryStore(db_path) as s:
        c = s.create_conversation("c")
        for i in range(30):
            s.add_message(c.id, "user", f"filler message number {i} " * 10)
        raw = s._require_open()
        raw.execute("UPDATE messages_fts_data SET block = x'ffffffff' WHERE id > 10")
        a = s.add_message(c.id, "assistant", "", status="streaming")
        s.update_message(a.id, text="an answer", status="complete")  # writes the index
        got = s.message(a.id)
        assert got is not None and got.status == "complete"
        s.delete(c.id)  # reads the damaged pages to drop the rows: fails, retried without
        assert "full-text index damaged" in caplog.text
        assert not s.full_text_search
        assert s.list_conversations() == []
    with HistoryStore(db_path) as s:
        assert s.recovery is None and s.full_text_search
        assert s.integrity_check()


def test_a_line_saved_in_meta_comes_back_translatable(store: HistoryStore) -> None:
    """A note kept as template and fields reopens as the same Line; older records (text
    only) and damaged meta come back as the text, shown as it is."""
    doing = Line.of("rendering page {page}", page=3)
    line = Line.of("{name}: {doing} took longer than {seconds:g} s", name="x.pdf",
                   doing=doing, seconds=20.0, where=Path("/tmp/x.pdf"))
    c = store.create_conversation("c")
    m = store.add_message(c.id, "system", str(line), meta={"note": line_to_json(line)})
    [back] = store.messages(c.id)
    assert back.id == m.id and back.meta is not None
    again = line_from_json(back.meta["note"], back.text)
    assert str(again) == str(line) == back.text
    assert again.values["doing"] == doing
    assert again.values["where"] == "/tmp/x.pdf"  # a Path is kept as its text
    assert line_from_json(None, "old note") == Line.plain("old note")
    assert line_from_json({"template": 3}, "bad") == Line.plain("bad")
    assert line_from_json({"template": "{a}", "fields": {"a": [1]}}, "bad") == Line.plain("bad")
