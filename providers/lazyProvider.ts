/**
 * A small stand-in for a dynamic provider that loads the real one from the
 * program directory when the engine first calls it.
 *
 * Pulumi stores each dynamic resource's provider as serialized source code in
 * the state. Serializing the real providers (SSH runner, API client) put
 * ~13 KB into every resource — megabytes for a large stack, rewritten on
 * every checkpoint. This shim serializes to a few hundred bytes, and because
 * it loads the current code, a provider fix applies to existing resources
 * without showing every resource as changed.
 *
 * The engine starts dynamic providers in the program directory, so the module
 * is found relative to the working directory, compiled under .build/ as the
 * program is (program.js). Shims stored by earlier versions load the sources
 * through ts-node; both stay valid, and the diffs ignore `__provider`.
 */
import * as pulumi from "@pulumi/pulumi";

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type AnyProvider = any;

// One object per provider: the SDK serializes each distinct provider object once and caches it by identity.
const shims = new Map<string, pulumi.dynamic.ResourceProvider>();

/** `modulePath` is relative to the program directory, without extension, e.g. "providers/remote/RemoteScript". */
export function lazyProvider(modulePath: string, exportName: string): pulumi.dynamic.ResourceProvider {
    const key = `${modulePath}#${exportName}`;
    let shim = shims.get(key);
    if (!shim) {
        shim = createShim(modulePath, exportName);
        shims.set(key, shim);
    }
    return shim;
}

function createShim(modulePath: string, exportName: string): pulumi.dynamic.ResourceProvider {
    const load = (): AnyProvider => {
        const path = require("path");
        const fs = require("fs");
        // The compiled program (scripts/build-program.js, brought up to date first: `pulumi destroy`
        // does not run program.js); a copy without the builder loads the sources through ts-node.
        const builder = path.join(process.cwd(), "scripts", "build-program.js");
        let file = path.join(process.cwd(), modulePath);
        if (fs.existsSync(builder)) {
            require(builder).build();
            file = path.join(process.cwd(), ".build", `${modulePath}.js`);
        } else if (!require.extensions[".ts"]) {
            require("ts-node").register({ transpileOnly: true, compilerOptions: { module: "commonjs" } });
        }
        const provider = require(file)[exportName];
        if (!provider) throw new Error(`dynamic provider ${exportName} not found in ${modulePath}`);
        return provider;
    };
    return {
        check: async (olds: AnyProvider, news: AnyProvider) => {
            const provider = load();
            return provider.check ? provider.check(olds, news) : { inputs: news };
        },
        diff: async (id: string, olds: AnyProvider, news: AnyProvider) => load().diff(id, olds, news),
        create: async (inputs: AnyProvider) => load().create(inputs),
        read: async (id: string, props: AnyProvider) => {
            const provider = load();
            return provider.read ? provider.read(id, props) : { id, props };
        },
        update: async (id: string, olds: AnyProvider, news: AnyProvider) => load().update(id, olds, news),
        delete: async (id: string, props: AnyProvider) => {
            const provider = load();
            if (provider.delete) await provider.delete(id, props);
        },
    };
}
