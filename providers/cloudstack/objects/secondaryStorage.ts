/**
 * An NFS image store (addImageStore). The first one of a zone registers the
 * SystemVM template for the hypervisors that already have a cluster there, so
 * it depends on the clusters. Known by its URL; a store of the same name at
 * another URL is a conflict.
 */
import * as pulumi from "@pulumi/pulumi";
import { applyOnce, gone } from "../applyOnce";
import { CloudStackClient } from "../client";
import { ArgsOf, CloudStackResource, ConnectedArgs } from "../dynamicResource";
import { NFS_PATH, nfsUrl, parseNfsUrl } from "../nfs";
import { defineProvider, ObjectInputs } from "../resource";
import { InputChecks } from "../validate";

export interface SecondaryStorageInputs extends ObjectInputs {
    zoneId: string;
    name: string;
    server: string;
    path: string;
    provider: "NFS";
}

interface StoreView {
    id: string;
    name: string;
    zoneid: string;
    url: string;
    providername: string;
}

async function storeById(api: CloudStackClient, id: string): Promise<StoreView | undefined> {
    return (await api.list<StoreView>("listImageStores", { id }))[0];
}

export const provider = defineProvider<SecondaryStorageInputs, StoreView>({
    describe: (inputs) => `secondary storage "${inputs.name}"`,
    check(inputs) {
        const checks = new InputChecks().connection(inputs.connection).text("name", inputs.name).text("server", inputs.server, "an NFS server address").oneOf("provider", inputs.provider, ["NFS"]);
        if (!NFS_PATH.test(String(inputs.path))) checks.fail("path", `path must be an absolute export path such as /export/secondary, not ${JSON.stringify(inputs.path)}`);
        return { inputs, failures: checks.failures };
    },
    replaceOn: ["zoneId", "name", "server", "path", "provider"],
    updatable: [],
    async find(api, inputs) {
        const stores = await api.list<StoreView>("listImageStores", { zoneid: inputs.zoneId });
        const url = nfsUrl(inputs.server, inputs.path);
        return stores.find((s) => s.url === url) ?? stores.find((s) => s.name.toLowerCase() === inputs.name.toLowerCase());
    },
    get: (api, id) => storeById(api, id),
    observe: (store) => ({ zoneId: store.zoneid, name: store.name, ...parseNfsUrl(store.url), provider: store.providername as "NFS" }),
    async create(api, inputs) {
        const answer = await api.request("addImageStore", { zoneid: inputs.zoneId, name: inputs.name, provider: inputs.provider, url: nfsUrl(inputs.server, inputs.path) });
        return String((answer.imagestore as StoreView).id);
    },
    async remove(api, id) {
        await applyOnce(api, { command: "deleteImageStore", params: { id }, tookEffect: gone(() => storeById(api, id)) });
    },
    outputs: (store) => ({ url: store.url }),
});

export class SecondaryStorage extends CloudStackResource {
    declare readonly url: pulumi.Output<string>;

    constructor(name: string, args: ArgsOf<Omit<SecondaryStorageInputs, "connection">> & ConnectedArgs, opts?: pulumi.CustomResourceOptions) {
        super("secondaryStorage", "SecondaryStorage", name, args, ["url"], opts);
    }
}
