#!/usr/bin/env bash
# Installs the real VS Code the extension tests run in: code-server 4.100.3 (VS Code 1.100.3 on Node 20, from npm)
# and playwright-core, driving Debian's headless Chromium. Idempotent and offline-safe: the only registries used are
# npm and Debian. Called by test/setup.sh; run it by hand before `node --import tsx --test test/vscode/*.test.ts`.
set -euo pipefail
cd "$(dirname "$0")"
SUDO=""
[ "$(id -u)" -ne 0 ] && SUDO="sudo"

need=()
command -v chromium >/dev/null 2>&1 || need+=(chromium)
command -v rg >/dev/null 2>&1 || need+=(ripgrep)
# code-server's kerberos module links against it.
dpkg -s libkrb5-dev >/dev/null 2>&1 || need+=(libkrb5-dev)
if [ ${#need[@]} -gt 0 ]; then
  echo "test/vscode/install.sh: installing ${need[*]} from Debian"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "${need[@]}" >/dev/null
fi

# @vscode/ripgrep's postinstall downloads rg from GitHub, which this network cannot reach; it takes a tarball from
# its cache first, so the cache gets Debian's rg.
cache="${TMPDIR:-/tmp}/vscode-ripgrep-cache-1.15.11"
tarball="$cache/ripgrep-v13.0.0-10-x86_64-unknown-linux-musl.tar.gz"
if [ ! -s "$tarball" ]; then
  mkdir -p "$cache"
  tmp=$(mktemp -d)
  cp "$(command -v rg)" "$tmp/rg"
  tar -C "$tmp" -czf "$tarball" rg
  rm -rf "$tmp"
fi

# Reinstall only when the lock file changed since the last install.
stamp=node_modules/.pipewright-installed
if [ ! -f "$stamp" ] || ! cmp -s package-lock.json "$stamp"; then
  echo "test/vscode/install.sh: installing code-server and playwright-core (about a minute)"
  # code-server's postinstall (allowed in package.json's allowScripts) refuses to run as root without unsafe-perm,
  # and installs VS Code's own modules with npm.
  npm_config_yes=true npm_config_unsafe_perm=true npm ci --no-audit --no-fund --loglevel=error
  cp package-lock.json "$stamp"
fi
