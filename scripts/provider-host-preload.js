/**
 * Preloaded (`node -r`) into the dynamic provider host by
 * scripts/dynamic-provider-launcher.sh: the host loads @pulumi/pulumi's
 * runtime, whose function serializer and code-path finder pull in the
 * TypeScript compiler and npm's arborist, which the host never uses (see
 * defer-sdk-modules.js). The engine starts the host in the program directory.
 */
"use strict";
require("./defer-sdk-modules").deferSdkModules(process.cwd());
