#!/usr/bin/env bash
# Installs what the tests use beyond npm packages, on a fresh Debian machine (CI runs this too):
# Debian's neovim (the LSP-outside-VS-Code test), the AWS CLI (Debian's awscli), GnuPG (gnupg) and Apache Avro (python3-avro), peer oracles, and moto_server (moto[server] 5, Python: the local AWS the
# test/aws/ tests start). Idempotent: does nothing when all is present.
set -euo pipefail
SUDO=""
[ "$(id -u)" -ne 0 ] && SUDO="sudo"
apt_install() {
  echo "test/setup.sh: installing $* from Debian"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "$@" >/dev/null
}

need=()
command -v nvim >/dev/null 2>&1 || need+=(neovim)
# The AWS CLI is a peer oracle: it lists what the S3 servers hold (test/import/).
aws --version >/dev/null 2>&1 || need+=(awscli)
# GnuPG is the peer of the PGP tests (test/pgp/): it reads our keys and decrypts what we encrypt, and the other way round.
command -v gpg >/dev/null 2>&1 || need+=(gnupg)
# Apache Avro's Python library is the peer of the Avro preview tests (test/import/avro-preview.test.ts, through
# test/helpers/avro-peer.py): it writes the Currents-like files and reads them back. Debian's python3-avro does not
# pull in python3-snappy, which its snappy codec needs. Both are Debian's Python's (/usr/bin/python3), not pyenv's.
/usr/bin/python3 -c 'import avro' >/dev/null 2>&1 || need+=(python3-avro)
/usr/bin/python3 -c 'import snappy' >/dev/null 2>&1 || need+=(python3-snappy)
if [ ${#need[@]} -gt 0 ]; then
  apt_install "${need[@]}"
fi

# moto_server: nothing to do when it is on PATH (our machines: pyenv's Python 3.11, /root/.pyenv/shims/moto_server).
MOTO_SPEC='moto[server]==5.*'
if ! command -v moto_server >/dev/null 2>&1; then
  echo "test/setup.sh: installing $MOTO_SPEC"
  # A pip of its own (pyenv, a virtualenv): install there; pyenv needs a rehash to put the new script on PATH.
  if command -v pip >/dev/null 2>&1 && pip install -q "$MOTO_SPEC"; then
    if command -v pyenv >/dev/null 2>&1; then pyenv rehash; fi
  fi
  # Debian's own Python refuses pip installs outside a venv (PEP 668): a venv of its own, linked onto PATH.
  if ! command -v moto_server >/dev/null 2>&1; then
    MOTO_VENV=/opt/pipewright-moto
    command -v python3 >/dev/null 2>&1 && python3 -c 'import ensurepip, venv' 2>/dev/null || apt_install python3 python3-venv
    $SUDO python3 -m venv "$MOTO_VENV"
    $SUDO "$MOTO_VENV/bin/pip" install -q "$MOTO_SPEC"
    $SUDO ln -sf "$MOTO_VENV/bin/moto_server" /usr/local/bin/moto_server
  fi
  command -v moto_server >/dev/null 2>&1 || { echo "test/setup.sh: moto_server is still not on PATH" >&2; exit 1; }
fi

# The real VS Code the extension tests run in (code-server + Debian's Chromium): test/vscode/install.sh.
bash "$(dirname "$0")/vscode/install.sh"
