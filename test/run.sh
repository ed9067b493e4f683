#!/usr/bin/env bash
# The one test command (npm test): set-up, build, type check, then every test file with node's test runner.
set -euo pipefail
cd "$(dirname "$0")/.."
# The CLI speaks the user's language (LANG, LC_ALL): the tests expect English unless they set a locale themselves.
export LANG=C.UTF-8
unset LC_ALL LC_MESSAGES
bash test/setup.sh
[ -d node_modules ] || npm ci
npm run --silent build
npx --no-install tsc -p . --noEmit
mapfile -t files < <(find test -name node_modules -prune -o -name '*.test.ts' -print | sort)
exec node --import tsx --test --test-reporter=spec --test-concurrency=2 "${files[@]}"
