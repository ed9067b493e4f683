#!/usr/bin/env bash
# Installs what the tests use beyond npm packages, on a fresh Debian machine (CI runs this too):
# Debian's neovim (the LSP-outside-VS-Code test). Idempotent: does nothing when all is present.
set -euo pipefail
need=()
command -v nvim >/dev/null 2>&1 || need+=(neovim)
if [ ${#need[@]} -gt 0 ]; then
  echo "test/setup.sh: installing ${need[*]} from Debian"
  SUDO=""
  [ "$(id -u)" -ne 0 ] && SUDO="sudo"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "${need[@]}" >/dev/null
fi
