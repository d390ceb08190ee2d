"""The server setting and its API key: `[server]` in settings.toml (address and switch only),
the key in its own 0600 file (`core.server.keys`), and the key in no repr or log line."""

from __future__ import annotations

import logging
import os
import stat
from pathlib import Path

import pytest

from bluelm_desktop.core import settings as settings_io
from bluelm_desktop.core.errors import BlueLMError
from bluelm_desktop.core.server import ServerConfig, ServerEngine
from bluelm_desktop.core.server.keys import KEY_FILE, api_key_path, read_api_key, save_api_key
from bluelm_desktop.core.settings import ServerSettings, Settings

KEY = "sk-4f1e9c0b7d2a"


def test_the_key_file_is_the_users_alone_and_written_whole(tmp_path: Path) -> None:
    path = tmp_path / "config" / KEY_FILE
    save_api_key(KEY, path)
    assert read_api_key(path) == KEY
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    path.chmod(0o644)  # widened by hand: the next save makes it the user's alone again
    save_api_key("  other-key \n", path)
    assert read_api_key(path) == "other-key"
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert sorted(p.name for p in path.parent.iterdir()) == [KEY_FILE]  # no temporary left
    save_api_key(None, path)  # no key: no file
    assert not path.exists() and read_api_key(path) is None
    save_api_key("", path)  # (and again: nothing to delete is fine)


def test_the_key_file_follows_the_data_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch
                                           ) -> None:
    monkeypatch.setenv("BLUELM_DATA_DIR", str(tmp_path))
    assert api_key_path() == tmp_path / "config" / KEY_FILE


def test_what_is_not_a_key_is_refused_without_showing_it(
        tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    path = tmp_path / KEY_FILE
    with pytest.raises(BlueLMError) as refused:
        save_api_key("two words", path)
    assert "two words" not in str(refused.value) and not path.exists()
    path.write_text("not a key at all\n", encoding="utf-8")
    with caplog.at_level(logging.WARNING):
        assert read_api_key(path) is None
    assert "not a key" not in caplog.text and KEY_FILE in caplog.text
    path.write_bytes(b"\xff\xfe")
    assert read_api_key(path) is None


def test_the_key_shows_in_no_repr(caplog: pytest.LogCaptureFixture) -> None:
    config = ServerConfig("http://gpu-box:8080", api_key=KEY)
    engine = ServerEngine(config)
    try:
        for shown in (repr(config), str(config), repr(engine), config.label, config.url):
            assert KEY not in shown
        logging.getLogger("test").warning("using %s / %r", config, config)
        assert KEY not in caplog.text
    finally:
        engine.close()


def test_the_server_section_is_kept_without_the_key(tmp_path: Path) -> None:
    path = tmp_path / "settings.toml"
    s = Settings(server=ServerSettings(enabled=True, url="http://gpu-box:8080"))
    assert s.server.active and not Settings().server.active
    assert not ServerSettings(enabled=True).active  # on, but nowhere to go
    settings_io.save(s, path)
    text = path.read_text(encoding="utf-8")
    assert '[server]\nenabled = true\nurl = "http://gpu-box:8080"\n' in text
    assert "key" not in text.split("[server]")[1]
    assert settings_io.load(path) == s


def test_a_bad_server_value_falls_back_in_one_line(tmp_path: Path) -> None:
    path = tmp_path / "settings.toml"
    path.write_text('schema_version = 2\n[server]\nenabled = "yes"\nurl = "http://a:1\\n"\n'
                    'api_key = "x"\n', encoding="utf-8")
    result = settings_io.load_with_report(path)
    assert result.settings.server == ServerSettings()
    assert len(result.warnings) == 3, result.warnings
    assert all("\n" not in w for w in result.warnings)
    assert any(w.startswith("server.api_key: unknown setting") for w in result.warnings)


@pytest.mark.skipif(os.name != "posix", reason="file modes")
def test_an_unreadable_key_file_is_no_key(tmp_path: Path, caplog: pytest.LogCaptureFixture
                                          ) -> None:
    path = tmp_path / KEY_FILE
    path.mkdir()  # not a file
    with caplog.at_level(logging.WARNING):
        assert read_api_key(path) is None
    assert "cannot read the server API key" in caplog.text
