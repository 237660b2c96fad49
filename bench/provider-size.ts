/**
 * Provider size benchmark: how many bytes each dynamic resource's provider
 * adds to the state. Pulumi stores a serialized provider with every dynamic
 * resource and rewrites it on every checkpoint; the project stores the small
 * loader of providers/lazyProvider.ts instead of the providers themselves.
 * Prints each loader's size next to the size the real provider
 * would have (the SSH runner, the API client).
 *
 *   npx ts-node bench/provider-size.ts
 */
import { lazyProvider } from "../providers/lazyProvider";

// eslint-disable-next-line @typescript-eslint/no-var-requires
const { serializeFunction } = require("@pulumi/pulumi/runtime/closure/serializeClosure");

const PROVIDERS: [string, string][] = [
    ["providers/remote/RemoteScript", "remoteScriptProvider"],
    ["providers/remote/BridgeNetwork", "bridgeNetworkProvider"],
    ["providers/secrets/GeneratedSecret", "generatedSecretProvider"],
    ["providers/cloudstack/objects/host", "provider"],
    ["providers/cloudstack/objects/apiCredentials", "provider"],
    ["ops/verifyProvider", "verificationProvider"],
];

async function size(provider: unknown): Promise<number> {
    const serialized = await serializeFunction(() => provider, { allowSecrets: true });
    return Buffer.byteLength(serialized.text);
}

async function main(): Promise<void> {
    console.log("provider".padEnd(60), "stored (loader)".padStart(16), "if stored whole".padStart(16));
    for (const [modulePath, exportName] of PROVIDERS) {
        const stored = Buffer.byteLength(lazyProvider(modulePath, exportName).text);
        const whole = await size(require(`../${modulePath}`)[exportName]);
        console.log(`${modulePath}#${exportName}`.padEnd(60), `${stored} B`.padStart(16), `${whole} B`.padStart(16));
    }
}

main().catch((err) => {
    console.error(err);
    process.exit(1);
});
