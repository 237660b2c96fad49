#!/bin/sh
# Installed by scripts/install-pulumi.sh as .tools/pulumi/bin/pulumi-language-nodejs, in front of
# the project's own build of the language host (sdk v3.68.0, next to this file).
#
# That host reads the project's runtime options only from its command line, and the engine built
# here (3.259.0) no longer puts them there: without this wrapper `typescript: false` in Pulumi.yaml
# is ignored, and every run of the compiled program (program.js) registers ts-node, loads the
# TypeScript compiler and rewrites every stack trace through source maps — seconds of each preview.
# The engine starts the host in the project directory.
flags=""
for project in Pulumi.yaml Pulumi.yml; do
    if [ -f "$project" ] && grep -Eq '^[[:space:]]+typescript:[[:space:]]*false[[:space:]]*(#.*)?$' "$project"; then
        flags="-typescript=false"
    fi
done
exec "$(dirname "$0")/pulumi-language-nodejs-sdk" $flags "$@"
