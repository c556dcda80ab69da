#!/usr/bin/env bash
# Install everything the test-suite needs on a fresh machine, then run all of it.
# Used as-is by CI (.ci/run). Extra arguments go to pytest.
set -euo pipefail
cd "$(dirname "$0")/.."

if [ ! -x .venv/bin/python ]; then
  "${PYTHON:-python3}" -m venv .venv
fi
.venv/bin/pip install --quiet --disable-pip-version-check -e '.[test]' 2>&1 | grep -v '^WARNING: Location' || true
.venv/bin/python -c 'import adapter, lti, xapi, ralph, playwright' # the install above must have worked

as_root() { if [ "$(id -u)" = 0 ]; then "$@"; else sudo "$@"; fi; }
missing=""
command -v chromium >/dev/null 2>&1 || missing="$missing chromium"   # browser tests (never a Playwright download)
ls /usr/lib/postgresql/*/bin/pg_ctl >/dev/null 2>&1 || missing="$missing postgresql"   # the PostgreSQL run
if [ -n "$missing" ]; then
  as_root apt-get update -qq
  DEBIAN_FRONTEND=noninteractive as_root apt-get install -y -qq $missing >/dev/null
fi
if [ ! -f tests/browser/node_modules/axe-core/axe.min.js ]; then
  npm install --no-save --silent --no-audit --no-fund --prefix tests/browser axe-core >/dev/null
fi

# The whole suite on SQLite files, then again on a throwaway PostgreSQL cluster, less the
# browser tests (a third of the time; the pages' queries run on PostgreSQL through the rest).
echo "== test run on SQLite"
.venv/bin/python -m pytest -q -p no:cacheprovider "$@"
echo "== test run on PostgreSQL (browser tests ran above)"
COACHBRIDGE_TEST_DATABASE=postgresql .venv/bin/python -m pytest -q -p no:cacheprovider --ignore=tests/browser "$@"
