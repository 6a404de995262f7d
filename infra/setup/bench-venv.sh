#!/usr/bin/env bash
# Makes .cache/bench-venv for bench/peers.py's Quix Streams app: the `bench` extra of pyproject.toml, in a
# venv of its own (Quix Streams pins confluent-kafka below the project's), on the project venv's Python,
# with the project venv's site-packages behind it (a .pth) for everything else.
#
#   bash infra/setup/bench-venv.sh [project venv]     # .venv by default; `make bench-venv` runs it
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
project=${1:-$root/.venv}
bench=$root/.cache/bench-venv

purelib() { "$1" -c "import sysconfig; print(sysconfig.get_path('purelib'))"; }

if [ ! -x "$bench/bin/python" ]; then
  "$("$project/bin/python" -c 'import sys; print(sys._base_executable)')" -m venv "$bench"
fi
read -ra extra < <("$project/bin/python" -c "
import tomllib
print(' '.join(tomllib.load(open('$root/pyproject.toml', 'rb'))['project']['optional-dependencies']['bench']))")
"$bench/bin/python" -m pip install --quiet "${extra[@]}"
purelib "$project/bin/python" > "$(purelib "$bench/bin/python")/zz-baystream.pth"
