#!/usr/bin/env bash
# Installs Debian's espeak-ng, the voice the transcription tests and benchmark speak with (and
# flite, a second synthesiser for the benchmark). Nothing is downloaded but Debian's packages.
set -euo pipefail
if command -v espeak-ng >/dev/null 2>&1 && command -v flite >/dev/null 2>&1; then exit 0; fi
if [ "$(id -u)" -ne 0 ]; then
  if command -v sudo >/dev/null 2>&1; then SUDO=sudo; else
    echo "error: espeak-ng is missing; install Debian's 'espeak-ng' and 'flite' packages" >&2
    exit 1
  fi
else SUDO=""; fi
echo "Installing Debian's espeak-ng and flite for the transcription tests…"
$SUDO apt-get update -qq
DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq espeak-ng flite >/dev/null
command -v espeak-ng >/dev/null
