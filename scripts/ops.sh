#!/usr/bin/env bash
# Day-2 operations on a deployed stack (see docs/OPERATIONS.md):
#   npm run verify -- --stack dev
#   npm run ops -- repair <action> --stack dev
set -euo pipefail
repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$repo"
scripts/ensure-deps.sh >/dev/null
# shellcheck source=scripts/pulumi-env.sh
source scripts/pulumi-env.sh
exec npx ts-node --transpile-only ops/cli.ts "$@"
