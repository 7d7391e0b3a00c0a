#!/usr/bin/env bash
# Set up and run the checks and the test suite: a virtual environment with the package and its
# test and docs extras, the system packages the tests drive for real (Chromium for the report
# page, PostgreSQL for many-worker studies), then ruff, the formatter's check, mypy and pytest
# (markers strict; with e2e deselected, on up to four pytest-xdist workers). Extra arguments go
# to pytest.
set -euo pipefail
cd "$(dirname "$0")/.."

PYTHON=${PYTHON:-python3.11}
if [ ! -x .venv/bin/python ]; then
  "$PYTHON" -m venv .venv
fi
.venv/bin/python -m pip install --quiet --upgrade pip
.venv/bin/python -m pip install --quiet -e '.[test,docs]'

need=()
command -v chromium >/dev/null 2>&1 || need+=(chromium)
command -v pg_ctlcluster >/dev/null 2>&1 || [ -x /usr/lib/postgresql/15/bin/postgres ] || need+=(postgresql)
if [ ${#need[@]} -gt 0 ]; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
    echo "installing ${need[*]} (Debian packages) for the browser and database tests"
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${need[@]}" >/dev/null
  else
    echo "note: ${need[*]} not installed and apt-get unavailable; those tests will say why they skip"
  fi
fi

echo "ruff check"
.venv/bin/ruff check study tests benchmarks scripts examples docs
echo "ruff format --check"
.venv/bin/ruff format --check --quiet study tests benchmarks scripts examples docs
echo "mypy"
.venv/bin/mypy -p study -p benchmarks
exec .venv/bin/python -m pytest "$@"
