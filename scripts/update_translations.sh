#!/usr/bin/env bash
# Refresh the interface translations: extract every marked string of the ui sources into
# resources/translations/bluelm_<lang>.ts (new strings are added as unfinished, existing
# translations are kept, strings no longer in the sources are dropped), then compile each
# .ts into the .qm the app loads (bluelm_desktop/ui/i18n.py).
#
#   scripts/update_translations.sh      # after changing or adding a tr()/translate() string
#
# Then translate the new strings (pyside6-linguist resources/translations/bluelm_zh_CN.ts,
# or edit the XML), run this again to compile, and commit both files:
# tests/gui/test_translations.py fails while a string is untranslated or the .qm is stale.
set -euo pipefail
cd "$(dirname "$0")/.."

bin="${VENV:-.venv}/bin"
languages=(zh_CN)
# Every ui module, model_setup.py and app.py included: their strings join the .ts as soon
# as they are wrapped in tr()/translate(). The core's messages are templates marked with
# msg("…") (core/errors.py): lupdate reads msg as QT_TR_NOOP, which files them under the
# unnamed context, where ui/i18n.py's tr_line looks them up.
mapfile -t core < <(find bluelm_desktop/core -name '*.py' | sort)
sources=(bluelm_desktop/ui/*.py "${core[@]}")

for language in "${languages[@]}"; do
    ts="resources/translations/bluelm_${language}.ts"
    "$bin/pyside6-lupdate" -no-obsolete -source-language en -target-language "$language" \
        -tr-function-alias QT_TR_NOOP+=msg "${sources[@]}" -ts "$ts"
    "$bin/pyside6-lrelease" "$ts" -qm "${ts%.ts}.qm"
done
