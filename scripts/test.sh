#!/usr/bin/env bash
# The test suite: type check, then every jest suite (unit, integration through
# the real Pulumi engine, and the multi-host lab end to end).
#   npm test                      # everything
#   npm test -- tests/unit        # a subset (any jest arguments)
# Suites run CLOUDSTACK_INFRA_TEST_WORKERS at a time (default 3): the long lab
# suites start first, each in a worker of its own, and everything else runs
# beside them (tests/support/sequencer.js). Every lab suite has its own lab
# (prefix, subnets, ports), so they never meet.
set -euo pipefail
repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$repo"

scripts/ensure-deps.sh --test
# shellcheck source=scripts/pulumi-env.sh
source scripts/pulumi-env.sh

npx tsc --noEmit -p .
# Compiled once here, before suites that copy .build/ start side by side.
node scripts/build-program.js
workers=${CLOUDSTACK_INFRA_TEST_WORKERS:-3}
[[ $workers =~ ^[1-9]$ ]] || { echo "CLOUDSTACK_INFRA_TEST_WORKERS must be a number from 1 to 9, not '$workers'" >&2; exit 2; }
npx jest --maxWorkers="$workers" "$@"
