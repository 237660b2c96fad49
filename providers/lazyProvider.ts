/**
 * A small stand-in for a dynamic provider that loads the real one from the
 * program directory when the engine first calls it.
 *
 * Pulumi stores each dynamic resource's provider as source code in the state.
 * Storing the real providers (SSH runner, API client) put ~13 KB into every
 * resource — megabytes for a large stack, rewritten on every checkpoint. The
 * loader is a few hundred bytes, and because it loads the current code, a
 * provider fix applies to existing resources without showing every resource
 * as changed.
 *
 * The loader's text is written here, not produced by the SDK's function
 * serializer (`pulumi.dynamic.Resource`): serializing a closure loads the
 * TypeScript compiler and opens an inspector session in the program, over a
 * second of every preview for a few hundred bytes that never change.
 *
 * The engine starts dynamic providers in the program directory, so the module
 * is found relative to the working directory, compiled under .build/ as the
 * program is (program.js), brought up to date once per provider process (it
 * serves every resource of a run). Loaders stored by earlier versions (built
 * on every call, or loading the sources through ts-node) stay valid, and the
 * diffs ignore `__provider`.
 */
import * as pulumi from "@pulumi/pulumi";

/** Which provider a dynamic resource uses: its module and export, and the loader text stored in the state. */
export interface LazyProvider {
    readonly modulePath: string;
    readonly exportName: string;
    /** A CommonJS module whose `handler()` returns the provider (what the SDK's dynamic provider host expects). */
    readonly text: string;
}

/** `modulePath` is relative to the program directory, without extension, e.g. "providers/remote/RemoteScript". */
export function lazyProvider(modulePath: string, exportName: string): LazyProvider {
    return { modulePath, exportName, text: loaderText(modulePath, exportName) };
}

/**
 * The loader, as plain JavaScript (it runs in the dynamic provider host, not
 * in this program). `load` brings .build/ up to date (`pulumi destroy` does
 * not run program.js) once, then requires the provider; a copy of the program
 * without the builder loads the sources through ts-node.
 */
function loaderText(modulePath: string, exportName: string): string {
    return `exports.handler = function () {
    var modulePath = ${JSON.stringify(modulePath)}, exportName = ${JSON.stringify(exportName)}, provider;
    function load() {
        if (provider) return provider;
        var path = require("path"), fs = require("fs");
        var builder = path.join(process.cwd(), "scripts", "build-program.js");
        var file = path.join(process.cwd(), modulePath);
        if (fs.existsSync(builder)) {
            require(builder).build();
            file = path.join(process.cwd(), ".build", modulePath + ".js");
        } else if (!require.extensions[".ts"]) {
            require("ts-node").register({ transpileOnly: true, compilerOptions: { module: "commonjs" } });
        }
        var found = require(file)[exportName];
        if (!found) throw new Error("dynamic provider " + exportName + " not found in " + modulePath);
        return (provider = found);
    }
    return {
        check: async function (olds, news) { var p = load(); return p.check ? p.check(olds, news) : { inputs: news }; },
        diff: async function (id, olds, news) { return load().diff(id, olds, news); },
        create: async function (inputs) { return load().create(inputs); },
        read: async function (id, props) { var p = load(); return p.read ? p.read(id, props) : { id: id, props: props }; },
        update: async function (id, olds, news) { return load().update(id, olds, news); },
        delete: async function (id, props) { var p = load(); if (p.delete) await p.delete(id, props); },
    };
};
`.replace(/\n\s+/g, "\n"); // sent with every resource: no indentation
}

/**
 * A dynamic resource (type `pulumi-nodejs:dynamic/<module>:<type>`, served by
 * the SDK's dynamic provider host) whose provider is a lazyProvider loader:
 * what `pulumi.dynamic.Resource` registers, without serializing a function.
 */
export abstract class LazyDynamicResource extends pulumi.CustomResource {
    protected constructor(provider: LazyProvider, name: string, props: pulumi.Inputs, opts: pulumi.CustomResourceOptions | undefined, module: string, type: string) {
        if (props.__provider !== undefined) throw new Error("A dynamic resource must not define the __provider key");
        super(`pulumi-nodejs:dynamic/${module}:${type}`, name, { ...props, __provider: provider.text }, opts);
    }
}
