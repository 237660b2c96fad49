#!/bin/sh
# Installed by scripts/install-pulumi.sh as .tools/pulumi/bin/pulumi-resource-pulumi-nodejs: starts
# @pulumi/pulumi's dynamic provider host, as the launcher shipped in the SDK does, with the SDK's
# unused heavy modules deferred (scripts/provider-host-preload.js). The engine starts it in the
# program directory; a directory without this project's preload gets the SDK's host as it is.
host=node_modules/@pulumi/pulumi/cmd/dynamic-provider/index.js
[ -f "$host" ] || host=$(node -e "console.log(require.resolve('@pulumi/pulumi/cmd/dynamic-provider'))")
if [ -f scripts/provider-host-preload.js ]; then
    exec node -r ./scripts/provider-host-preload.js "$host" "$@"
fi
exec node "$host" "$@"
