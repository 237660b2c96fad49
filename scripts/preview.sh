#!/usr/bin/env bash
# The main job on the embedded default: `pulumi preview` of an example stack
# (default: dev, the seed's topology) on the local file backend. No host needs
# to be reachable; nothing is changed anywhere.
#   npm run preview            # the dev stack
#   npm run preview -- prod    # another example stack
set -euo pipefail
repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$repo"
stack=${1:-dev}

scripts/ensure-deps.sh
# The engine runs the compiled program (program.js builds what changed on every
# run); building here first shows a syntax error before the engine starts.
node scripts/build-program.js
# shellcheck source=scripts/pulumi-env.sh
source scripts/pulumi-env.sh

pulumi stack select --create --secrets-provider passphrase "$stack" --non-interactive >/dev/null
pulumi preview --stack "$stack" --non-interactive
