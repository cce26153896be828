#!/usr/bin/env bash
# Make Debian's `chromium` available for the browser tests (test/browser, driven by puppeteer-core) and print its
# path. Installs it with apt when it is missing; that needs root (CI runs as root; a developer without root installs
# `chromium` once by hand). `CHROMIUM` overrides the binary, e.g. a Chrome for Testing build on another OS.
set -euo pipefail
if [ -n "${CHROMIUM:-}" ]; then
  command -v "$CHROMIUM" || { echo "ensure-chromium: CHROMIUM=$CHROMIUM is not executable" >&2; exit 1; }
  exit 0
fi
if ! command -v chromium >/dev/null; then
  if [ "$(id -u)" != 0 ]; then
    echo "ensure-chromium: chromium is not installed and installing it needs root: sudo apt-get install -y chromium" >&2
    exit 1
  fi
  echo "ensure-chromium: installing chromium (apt)" >&2
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq >&2
  # A font too: without recommends, a bare image has none and the screenshot would show empty boxes.
  apt-get install -y -qq --no-install-recommends chromium fonts-dejavu-core >&2
fi
command -v chromium
