#!/usr/bin/env bash
# Headless Chromium for the dashboard tests, from Debian's packages (skipped if present).
set -euo pipefail
if command -v chromium >/dev/null 2>&1; then
  exit 0
fi
if [ "$(id -u)" = "0" ] && command -v apt-get >/dev/null 2>&1; then
  # Wait for another apt/dpkg run rather than failing on its lock.
  apt-get -o DPkg::Lock::Timeout=600 update -qq >/dev/null
  DEBIAN_FRONTEND=noninteractive apt-get -o DPkg::Lock::Timeout=600 install -y -qq chromium >/dev/null
else
  echo "install Debian's chromium package (apt-get install chromium) for the dashboard tests" >&2
fi
