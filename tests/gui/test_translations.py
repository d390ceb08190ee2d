"""The interface translations: complete, compiled, in step with the sources, and shown.

`resources/translations/bluelm_zh_CN.ts` is made by `scripts/update_translations.sh`
(pyside6-lupdate over bluelm_desktop/ui/*.py, and the core's `msg("…")` templates) and
translated by hand; the `.qm` beside it
is what the app loads. These tests fail when a string is added without a translation, when
the `.qm` was not rebuilt, and when a translated widget still shows English.
"""

from __future__ import annotations

import ast
import logging
import re
import shutil
import subprocess
import sys
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from pathlib import Path

import pytest
from PySide6.QtCore import QCoreApplication, Qt, QTranslator
from PySide6.QtWidgets import QApplication, QDialogButtonBox
from pytestqt.qtbot import QtBot

from bluelm_desktop.core.settings import UI_LANGUAGES, Settings
from bluelm_desktop.core.tasks import QUICK_ACTIONS
from bluelm_desktop.ui import i18n

ROOT = Path(__file__).resolve().parents[2]
UI_SOURCES = sorted((ROOT / "bluelm_desktop" / "ui").glob("*.py"))
CORE_SOURCES = sorted((ROOT / "bluelm_desktop" / "core").rglob("*.py"))
TRANSLATED = sorted(lang for lang in UI_LANGUAGES if lang != i18n.SOURCE_LANGUAGE)
FIELD = re.compile(r"\{(\w*)\}")  # a named field of a .format() template

Key = tuple[str, str, str]  # context, source text, disambiguation comment


def ts_path(language: str) -> Path:
    return i18n.translations_dir() / f"{i18n.CATALOG}_{language}.ts"


def qm_path(language: str) -> Path:
    return i18n.translations_dir() / f"{i18n.CATALOG}_{language}.qm"


def tool(name: str) -> str:
    """A Qt tool of the PySide6 install running the tests (the venv's bin/)."""
    beside = Path(sys.executable).with_name(name)
    found = str(beside) if beside.is_file() else shutil.which(name)
    if found is None:
        pytest.fail(f"{name} not found next to {sys.executable} or on PATH")
    return found


def messages(ts: Path) -> dict[Key, ET.Element]:
    """Every message of a .ts file by (context, source, comment)."""
    out: dict[Key, ET.Element] = {}
    for context in ET.parse(ts).getroot().iter("context"):
        name = context.findtext("name") or ""
        for message in context.iter("message"):
            key = (name, message.findtext("source") or "", message.findtext("comment") or "")
            out[key] = message
    return out


def translations(message: ET.Element) -> list[str]:
    translation = message.find("translation")
    if translation is None:
        return []
    forms = translation.findall("numerusform")
    return [f.text or "" for f in forms] if forms else [translation.text or ""]


def test_there_is_a_translation_for_every_offered_language() -> None:
    assert TRANSLATED, "UI_LANGUAGES offers no language besides English"
    for language in TRANSLATED:
        assert ts_path(language).is_file(), f"{ts_path(language)} is missing"
        assert qm_path(language).is_file(), f"{qm_path(language)} is missing"


@pytest.mark.parametrize("language", TRANSLATED)
def test_every_message_is_translated(language: str) -> None:
    found = messages(ts_path(language))
    assert len(found) > 100, "the .ts has lost most of its messages"
    unfinished = []
    for (context, source, _), message in found.items():
        translation = message.find("translation")
        state = translation.get("type") if translation is not None else "missing"
        texts = translations(message)
        if state is not None or not texts or not all(t.strip() for t in texts):
            unfinished.append(f"{context}: {source!r} ({state or 'empty'})")
    assert not unfinished, "untranslated (run scripts/update_translations.sh, translate):\n" + (
        "\n".join(unfinished))


@pytest.mark.parametrize("language", TRANSLATED)
def test_translations_keep_the_named_fields(language: str) -> None:
    """`.format(name=...)` fills the translated template: a field renamed or lost in the
    translation raises KeyError or drops a value at runtime."""
    wrong = []
    for (context, source, _), message in messages(ts_path(language)).items():
        for text in translations(message):
            if sorted(FIELD.findall(text)) != sorted(FIELD.findall(source)):
                wrong.append(f"{context}: {source!r} → {text!r}")
    assert not wrong, "fields differ:\n" + "\n".join(wrong)


@pytest.mark.parametrize("language", TRANSLATED)
def test_the_committed_qm_is_compiled_from_the_ts(language: str, tmp_path: Path) -> None:
    fresh = tmp_path / "fresh.qm"
    subprocess.run([tool("pyside6-lrelease"), str(ts_path(language)), "-qm", str(fresh)],
                   check=True, capture_output=True, timeout=120)
    assert fresh.read_bytes() == qm_path(language).read_bytes(), (
        f"{qm_path(language).name} is stale: run scripts/update_translations.sh")


@pytest.mark.parametrize("language", TRANSLATED)
def test_every_marked_string_of_the_sources_is_in_the_ts(language: str,
                                                         tmp_path: Path) -> None:
    """lupdate over the ui and core sources (as update_translations.sh runs it) finds
    exactly the .ts's messages: a new tr() string or msg() template is missing from the
    committed .ts, a removed one lingers in it."""
    fresh = tmp_path / "fresh.ts"
    subprocess.run([tool("pyside6-lupdate"), "-no-obsolete", "-source-language", "en",
                    "-target-language", language, "-tr-function-alias", "QT_TR_NOOP+=msg",
                    *map(str, UI_SOURCES + CORE_SOURCES), "-ts", str(fresh)],
                   check=True, capture_output=True, timeout=120)
    in_sources, committed = set(messages(fresh)), set(messages(ts_path(language)))
    assert not in_sources - committed, (
        "marked in the sources but not in the .ts (run scripts/update_translations.sh):\n"
        + "\n".join(map(repr, sorted(in_sources - committed))))
    assert not committed - in_sources, (
        "in the .ts but no longer in the sources (run scripts/update_translations.sh):\n"
        + "\n".join(map(repr, sorted(committed - in_sources))))


def _text_argument(call: ast.Call) -> ast.expr | None:
    """The source-text argument of tr(text, ...), translate(ctx, text, ...),
    QT_TRANSLATE_NOOP(ctx, text), and the core's msg(template)."""
    func = call.func
    name = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", "")
    position = {"tr": 0, "translate": 1, "QT_TRANSLATE_NOOP": 1, "QT_TR_NOOP": 0,
                "msg": 0}.get(name)
    if position is None or len(call.args) <= position:
        return None
    return call.args[position]


def test_translated_texts_are_literals_lupdate_can_read() -> None:
    """lupdate only sees a literal written inside tr()/translate()/msg(): an f-string or a
    concatenation is extracted wrongly (or not at all) and never matches at runtime. A name
    is allowed in the ui: it is a constant marked with QT_TRANSLATE_NOOP where it is
    defined. A module's own `_tr(text)` helper is for such constants only: a literal passed
    to it is invisible to lupdate. In the core, msg() takes literals only."""
    bad = []
    for path in UI_SOURCES + CORE_SOURCES:
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if not isinstance(node, ast.Call):
                continue
            where = f"{path.name}:{node.lineno}"
            if isinstance(node.func, ast.Name) and node.func.id == "_tr":
                if node.args and isinstance(node.args[0], ast.Constant):
                    bad.append(f"{where}: a literal in _tr(); use translate() or tr()")
                continue
            text = _text_argument(node)
            if text is None:
                continue
            literal = isinstance(text, ast.Constant) and isinstance(text.value, str)
            named = isinstance(text, ast.Name | ast.Attribute) and path in UI_SOURCES
            if not literal and not named:
                bad.append(f"{where}: {ast.unparse(text)[:60]}")
    assert not bad, "not a literal:\n" + "\n".join(bad)


@pytest.mark.parametrize("language", TRANSLATED)
def test_quick_action_labels_are_translated(language: str) -> None:
    """The labels live in the core (no Qt there); main_window marks them for lupdate."""
    contexts = {(context, source) for context, source, _ in messages(ts_path(language))}
    missing = [a.label for a in QUICK_ACTIONS if ("QuickAction", a.label) not in contexts]
    assert not missing, f"add to main_window.QUICK_ACTION_LABELS: {missing}"


# --- the translations at work ---------------------------------------------------------------


@pytest.fixture
def chinese(qapp: QApplication) -> Iterator[list[QTranslator]]:
    """zh_CN installed for one test, and removed again whatever happens."""
    installed = i18n.install_translators(qapp, "zh_CN")
    try:
        yield installed
    finally:
        i18n.remove_translators(qapp, installed)


def _plain(text: str) -> str:
    """A button's text without its mnemonic: "取消(&C)" / "&Cancel" → "取消" / "Cancel"."""
    return re.sub(r"\(&\w\)", "", text).replace("&", "")


def test_zh_cn_installs_ours_and_qts(chinese: list[QTranslator]) -> None:
    assert len(chinese) == 2  # bluelm_zh_CN.qm and qtbase_zh_CN.qm
    assert not any(t.isEmpty() for t in chinese)
    assert QCoreApplication.translate("SettingsDialog", "Settings") == "设置"


def test_settings_dialog_in_chinese(qtbot: QtBot, chinese: list[QTranslator]) -> None:
    from bluelm_desktop.ui.settings_dialog import SettingsDialog

    dialog = SettingsDialog(Settings())
    qtbot.addWidget(dialog)
    assert dialog.windowTitle() == "设置"
    assert [dialog.tabs.tabText(i) for i in range(dialog.tabs.count())] == [
        "性能", "回答", "文档", "外观", "服务器"]
    assert dialog.threads.specialValueText() == "全部核心"
    assert dialog.threads.toolTip().startswith("允许的值：")
    cancel = dialog.buttons.button(QDialogButtonBox.StandardButton.Cancel)
    ok = dialog.buttons.button(QDialogButtonBox.StandardButton.Ok)
    assert _plain(cancel.text()) == "取消"  # from Qt's own qtbase_zh_CN.qm
    assert _plain(ok.text()) == "确定"


def test_composer_and_chat_pane_in_chinese(qtbot: QtBot, chinese: list[QTranslator]) -> None:
    from bluelm_desktop.ui.chat_pane import ChatModel, ChatPane
    from bluelm_desktop.ui.composer import Composer

    composer = Composer()
    qtbot.addWidget(composer)
    assert composer.send_button.text() == "发送"
    # a constant marked with QT_TRANSLATE_NOOP, translated where it is used
    assert composer.attach_button.toolTip() == "添加图片或 PDF（也可以拖放或粘贴）"
    assert composer.edit.placeholderText().startswith("输入问题")
    pane = ChatPane(ChatModel())
    qtbot.addWidget(pane)
    assert pane.regenerate_button.text() == "重新生成"
    assert pane.view.placeholder.startswith("有问题尽管问")


def test_strings_of_base_classes_and_functions_in_chinese(chinese: list[QTranslator]) -> None:
    """tr() in a base class's method uses the base class's context (as lupdate does);
    module functions use the context they name."""
    from bluelm_desktop.ui.extraction_table import InvoiceFieldsModel
    from bluelm_desktop.ui.main_window import quick_action_label
    from bluelm_desktop.ui.pending_documents import PendingDocuments

    with pytest.raises(ValueError, match="不是数字"):
        InvoiceFieldsModel()._read("total", "abc")
    assert InvoiceFieldsModel().headerData(0, Qt.Orientation.Vertical) == "供应商"
    assert quick_action_label(QUICK_ACTIONS[0]) == "翻译图中文字"
    assert PendingDocuments(1, ()).progress_text() == "正在读取第 1 页，共 1 页"


def test_english_without_translators(qtbot: QtBot) -> None:
    """No translator (the default, and every other test): the English of the sources."""
    from bluelm_desktop.ui.settings_dialog import SettingsDialog

    dialog = SettingsDialog(Settings())
    qtbot.addWidget(dialog)
    assert dialog.windowTitle() == "Settings"
    assert dialog.tabs.tabText(0) == "Performance"


def test_english_and_missing_languages_install_nothing(
        qapp: QApplication, caplog: pytest.LogCaptureFixture) -> None:
    assert i18n.install_translators(qapp, "en") == []
    with caplog.at_level(logging.WARNING, logger=i18n.__name__):
        assert i18n.install_translators(qapp, "xx_XX") == []  # logged, not fatal
    assert "no bluelm translation for xx_XX" in caplog.text
    assert QCoreApplication.translate("SettingsDialog", "Settings") == "Settings"


def test_models_page_in_chinese(qtbot: QtBot, chinese: list[QTranslator], tmp_path: Path,
                                monkeypatch: pytest.MonkeyPatch) -> None:
    """The first screen a new user sees: buttons, column titles, the empty-library hint."""
    from bluelm_desktop.core import paths
    from bluelm_desktop.core.models.library import ModelLibrary
    from bluelm_desktop.ui.model_setup import ModelSetupPanel

    monkeypatch.setenv(paths.ENV_DATA_DIR, str(tmp_path / "data"))
    paths.set_base_dir(None)
    panel = ModelSetupPanel(ModelLibrary.from_paths())
    qtbot.addWidget(panel)
    try:
        qtbot.waitSignal(panel.models_changed, timeout=10_000).wait()
        assert panel.download_button.text() == "下载模型…"
        assert panel.demo_button.text() == "创建演示模型（随机权重）"
        titles = [panel.model.headerData(c, Qt.Orientation.Horizontal) for c in range(7)]
        assert titles[0] == "名称" and titles[5] == "估计内存（4k 上下文）"
        assert panel.table.placeholder_text().startswith("还没有模型。")
        assert panel.status_label.text() == "0 个模型。"
    finally:
        panel.shutdown()
        paths.set_base_dir(None)
