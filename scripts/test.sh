#!/usr/bin/env bash
# The test suite: type check, then every jest suite (unit, integration through
# the real Pulumi engine, and the multi-host lab end to end).
#   npm test                      # everything
#   npm test -- tests/unit        # a subset (any jest arguments)
set -euo pipefail
repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$repo"

scripts/ensure-deps.sh --test
# shellcheck source=scripts/pulumi-env.sh
source scripts/pulumi-env.sh

npx tsc --noEmit -p .
npx jest --runInBand "$@"
