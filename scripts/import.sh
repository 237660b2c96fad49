#!/usr/bin/env bash
# Turns the Ansible project this program replaces into a stack (README "Coming from the Ansible project"):
#   npm run import -- --from ~/cloudstack-infra/cloudstack --stack prod [--vault-password-file F] [--dry-run] [--force]
set -euo pipefail
# Paths on the command line are relative to where the user typed them (npm run: INIT_CWD).
IMPORT_CALLER_DIR="${INIT_CWD:-$PWD}"
export IMPORT_CALLER_DIR
repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$repo"
scripts/ensure-deps.sh >/dev/null
# shellcheck source=scripts/pulumi-env.sh
source scripts/pulumi-env.sh
exec npx ts-node --transpile-only import/cli.ts "$@"
