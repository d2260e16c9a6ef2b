#!/bin/sh
# The image's install step, run as is by deploy/Dockerfile and by CI: build tools for
# better-sqlite3's native addon, a clean `npm ci`, then the web console the server serves at `/`.
set -eu
cd "$(dirname "$0")/../.."

# The headless server needs neither Electron's runtime nor Playwright's browsers, and neither can
# be downloaded everywhere (offline machines, CI).
export ELECTRON_SKIP_BINARY_DOWNLOAD=1
export PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1

# node-gyp builds better-sqlite3 when no prebuilt binary matches (or none can be downloaded).
if ! command -v make >/dev/null 2>&1 || ! command -v g++ >/dev/null 2>&1 || ! command -v python3 >/dev/null 2>&1; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends python3 make g++ >/dev/null
    rm -rf /var/lib/apt/lists/*
  else
    echo "install.sh: python3, make and g++ are needed to build better-sqlite3 (apt-get install python3 make g++)" >&2
    exit 1
  fi
fi

npm ci --no-audit --no-fund
# out/renderer: the console (out/main and out/preload come along, unused here); out/server: the
# server as plain JavaScript, which start.sh runs (no tsx at run time, start-up in ~300 ms).
npm run build
