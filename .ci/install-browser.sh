#!/bin/sh
# Installs Debian's chromium, a CJK font and an emoji font for the browser tests
# (Playwright drives /usr/bin/chromium; never `playwright install`). Without the
# fonts, Chinese and the page's icons render as boxes. Also libGL, which OpenCV (under
# the OCR extra's RapidOCR) loads at import. Does nothing when all are there.
set -eu

have_fonts() {
    fc-list 2>/dev/null | grep -qi -e "wqy" -e "noto sans cjk" &&
        fc-list 2>/dev/null | grep -qi "noto color emoji"
}

have_libgl() {
    ldconfig -p 2>/dev/null | grep -q "libGL.so.1"
}

if [ -x /usr/bin/chromium ] && have_fonts && have_libgl; then
    exit 0
fi

if [ "$(id -u)" -ne 0 ]; then
    SUDO=sudo
else
    SUDO=
fi

export DEBIAN_FRONTEND=noninteractive
log=$(mktemp)
trap 'rm -f "$log"' EXIT
if ! { $SUDO apt-get update -qq && $SUDO apt-get install -y -qq --no-install-recommends \
        chromium fonts-wqy-zenhei fonts-noto-color-emoji fontconfig libgl1 libglib2.0-0; } >"$log" 2>&1; then
    cat "$log" >&2
    exit 1
fi
fc-cache -f >/dev/null 2>&1 || true
echo "installed: $(/usr/bin/chromium --version 2>/dev/null || echo chromium), fonts-wqy-zenhei, fonts-noto-color-emoji, libgl1"
