#!/usr/bin/env bash
# Installs Debian's Chromium for the end-to-end browser tests. The tests never download a browser.
set -euo pipefail
if [ -x /usr/bin/chromium ]; then exit 0; fi
if [ "$(id -u)" -ne 0 ]; then
  if command -v sudo >/dev/null 2>&1; then SUDO=sudo; else
    echo "error: /usr/bin/chromium is missing; install Debian's 'chromium' package (apt-get install chromium)" >&2
    exit 1
  fi
else SUDO=""; fi
echo "Installing Debian's chromium for the browser tests…"
$SUDO apt-get update -qq
DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq chromium >/dev/null
test -x /usr/bin/chromium
