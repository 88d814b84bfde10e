#!/usr/bin/env bash
# Sets up dirbolt on a fresh machine: system Chromium, a .venv at the repo root with
# every dependency (pinned by constraints.txt) and the `dirbolt` command.
#   scripts/setup.sh            # what the README's first command runs before the demo
#   scripts/setup.sh --ci       # also docker-compose (v1 client) for the compose test
set -euo pipefail
cd "$(dirname "$0")/.."

want_compose=0
[[ "${1:-}" == "--ci" ]] && want_compose=1

apt_install() {
    local runner=()
    [[ "$(id -u)" != 0 ]] && runner=(sudo)
    "${runner[@]}" apt-get update -qq
    DEBIAN_FRONTEND=noninteractive "${runner[@]}" apt-get install -y -qq "$@"
}

need=()
command -v chromium >/dev/null 2>&1 || need+=(chromium)
(( want_compose )) && ! command -v docker-compose >/dev/null 2>&1 && need+=(docker-compose)
if (( ${#need[@]} )); then
    echo "installing system packages: ${need[*]}"
    apt_install "${need[@]}"
fi

python=${PYTHON:-python3}
if [[ ! -x .venv/bin/python ]]; then
    "$python" -m venv .venv
fi
.venv/bin/python -m pip install -q --upgrade pip
# constraints.txt pins the resolved set (the Dagster family must move together).
.venv/bin/python -m pip install -q -c constraints.txt -e '.[dev]'
echo "dirbolt is installed: .venv/bin/dirbolt"
