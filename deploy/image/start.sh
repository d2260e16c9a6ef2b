#!/bin/sh
# The image's start command (the Dockerfile's CMD, also run by test/deploy/deploy.test.ts): the
# headless server, as `npm run serve`. AUTHDOCK_HOST, AUTHDOCK_PORT and LANGFLOW_CONFIG_DIR come
# from the environment; arguments are passed on (--host, --port, --config-dir).
set -eu
cd "$(dirname "$0")/../.."

# exec: node replaces this shell, so the SIGTERM of `docker stop` or the kubelet reaches the
# server itself, which lets in-flight requests finish, closes the database and exits 0. The
# build install.sh made (out/server) rather than `npm run serve`: npm would stand between the
# signal and the server, and it wants a writable $HOME for its logs, which a read-only root
# filesystem lacks.
if [ ! -f out/server/cli.js ]; then
  echo "start.sh: out/server/cli.js is missing: run deploy/image/install.sh (or npm run build) first" >&2
  exit 1
fi
exec node out/server/cli.js "$@"
