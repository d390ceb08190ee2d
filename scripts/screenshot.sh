#!/usr/bin/env bash
# Screenshots of the real app on a virtual X display, for reviewing the UI by eye:
#   build/screenshots/model-setup-empty.png  a fresh data directory (the empty state)
#   build/screenshots/model-setup.png        the demo model (selected, details shown)
#   build/screenshots/model-setup-mixed.png  demo + text-only + external + a broken file
#   build/screenshots/chat-{empty,document,streaming,markdown}.png  the chat window
#   build/screenshots/chat-extraction.png     the invoice fields table
#   build/screenshots/chat-dark-*.png         the same in the dark theme
#   build/screenshots/chat-zh-*.png           the same in the Chinese interface
# Each run uses a temporary --data-dir, so the user's own models and settings are never
# read or changed. Installs Xvfb, ImageMagick, xdotool and Qt's xcb libraries if missing.
set -euo pipefail
cd "$(dirname "$0")/.."

PY=${PY:-.venv/bin/python}
OUT=build/screenshots
SCREEN=1280x800x24

APT_PACKAGES=(
  xvfb xauth xdotool imagemagick
  # what Qt's xcb platform plugin loads (scripts/setup.sh has the full list)
  libxcb-cursor0 libxcb-icccm4 libxcb-keysyms1 libxcb-shape0 libxcb-xinerama0
  libxcb-randr0 libxcb-render-util0 libxcb-image0 libxkbcommon-x11-0 libegl1 libgl1
  fonts-dejavu-core fonts-noto-cjk
)
missing=()
for p in "${APT_PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if ((${#missing[@]})); then
  echo "screenshot: installing ${missing[*]}"
  SUDO=""
  [ "$(id -u)" -eq 0 ] || SUDO="sudo"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends \
    "${missing[@]}" >/dev/null
fi

mkdir -p "$OUT"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

# shot DATA_DIR PNG: start the app, wait for its window and first scan (which selects the
# first usable model), capture the window, close the app.
cat >"$work/shot.sh" <<'EOS'
#!/usr/bin/env bash
set -euo pipefail
data=$1 png=$2
export PYTHONPATH="$PWD${PYTHONPATH:+:$PYTHONPATH}"
"$PY" -m bluelm_desktop.cli --data-dir "$data" 2>"$data.log" &
app=$!
wid=""
for _ in $(seq 1 100); do  # up to 20 s for Python + Qt to start
  wid=$(xdotool search --onlyvisible --name '^BlueLM Desktop$' 2>/dev/null | head -1 || true)
  [ -n "$wid" ] && break
  kill -0 "$app" 2>/dev/null || { cat "$data.log" >&2; exit 1; }
  sleep 0.2
done
[ -n "$wid" ] || { echo "screenshot: no window appeared" >&2; cat "$data.log" >&2; exit 1; }
sleep 1.5  # the first scan runs on the library thread; tiny models take well under this
import -window "$wid" "$png"
kill "$app"
wait "$app" 2>/dev/null || true
if [ -s "$data.log" ]; then
  echo "screenshot: the app wrote to stderr:" >&2
  cat "$data.log" >&2
fi
EOS
chmod +x "$work/shot.sh"
export PY

demo() {  # demo DATA_DIR: the random-weight demo model, made as the button makes it
  "$PY" -c 'import sys
from bluelm_desktop.core import paths
from model_convert.demo import create_demo_model
paths.set_base_dir(sys.argv[1])
create_demo_model(paths.models_dir(), lambda message: None)' "$1"
}

run_shot() {
  xvfb-run --auto-servernum --server-args="-screen 0 $SCREEN" "$work/shot.sh" "$@"
}

export PYTHONPATH="$PWD${PYTHONPATH:+:$PYTHONPATH}"

mkdir -p "$work/empty"
run_shot "$work/empty" "$OUT/model-setup-empty.png"

mkdir -p "$work/demo"
demo "$work/demo"
run_shot "$work/demo" "$OUT/model-setup.png"

mkdir -p "$work/mixed/models" "$work/elsewhere"
demo "$work/mixed"
cp "$work/mixed/models/bluelm-demo-tiny-llm.gguf" "$work/mixed/models/notes-assistant.gguf"
head -c 4096 /dev/urandom >"$work/mixed/models/half-downloaded.gguf"
cp "$work/mixed/models/bluelm-demo-tiny-llm.gguf" "$work/elsewhere/my-model-llm.gguf"
cp "$work/mixed/models/bluelm-demo-tiny-mmproj.gguf" "$work/elsewhere/my-model-mmproj.gguf"
"$PY" -c 'import sys
from pathlib import Path
from bluelm_desktop.core import paths
from bluelm_desktop.core.models.library import ModelLibrary
paths.set_base_dir(sys.argv[1])
e = Path(sys.argv[2])
ModelLibrary.from_paths().add_external(e / "my-model-llm.gguf", e / "my-model-mmproj.gguf")' \
  "$work/mixed" "$work/elsewhere"
run_shot "$work/mixed" "$OUT/model-setup-mixed.png"

echo "screenshot: wrote $OUT/model-setup-empty.png $OUT/model-setup.png $OUT/model-setup-mixed.png"

# The chat window's states (scripts/screenshot_chat.py drives the real window): empty,
# a document dropped (grid overlay, tile progress), an answer streaming, a markdown answer;
# then the same in the dark theme. One data directory: the second run sees the first's chat.
mkdir -p "$work/chat"
demo "$work/chat"
xvfb-run --auto-servernum --server-args="-screen 0 $SCREEN" \
  "$PY" scripts/screenshot_chat.py "$work/chat" --out "$OUT" --prefix chat
xvfb-run --auto-servernum --server-args="-screen 0 $SCREEN" \
  "$PY" scripts/screenshot_chat.py "$work/chat" --out "$OUT" --prefix chat-dark --theme dark
xvfb-run --auto-servernum --server-args="-screen 0 $SCREEN" \
  "$PY" scripts/screenshot_chat.py "$work/chat" --out "$OUT" --prefix chat-zh --language zh_CN
