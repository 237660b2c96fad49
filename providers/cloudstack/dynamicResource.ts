/**
 * What the zone object resources have in common on the program side: the
 * provider is loaded from providers/cloudstack/objects/<file>.ts in the
 * program directory when the engine needs it (see ../lazyProvider.ts), and the
 * API connection and any other secret inputs stay encrypted in the state.
 */
import * as pulumi from "@pulumi/pulumi";
import { LazyDynamicResource, lazyProvider } from "../lazyProvider";
import { ApiConnection } from "./resource";

/** The program-side arguments of a resource whose provider sees `T`. */
export type ArgsOf<T> = { readonly [K in keyof T]: pulumi.Input<T[K]> };

export interface ConnectedArgs {
    readonly connection: pulumi.Input<ApiConnection>;
}

export abstract class CloudStackResource extends LazyDynamicResource {
    /** Whether create found the object already in CloudStack and adopted it. */
    declare readonly adopted: pulumi.Output<boolean>;

    /**
     * @param file module under providers/cloudstack/objects exporting `provider`
     * @param outputs names of outputs that are not inputs (declared on the subclass)
     * @param secrets inputs besides `connection` that hold secrets
     */
    protected constructor(
        file: string,
        type: string,
        name: string,
        args: ConnectedArgs & object,
        outputs: string[],
        opts?: pulumi.CustomResourceOptions,
        secrets: string[] = [],
    ) {
        const props: Record<string, unknown> = { ...args, connection: pulumi.secret(args.connection), adopted: undefined };
        for (const key of outputs) props[key] = undefined;
        for (const key of secrets) if (props[key] !== undefined) props[key] = pulumi.secret(props[key] as pulumi.Input<string>);
        super(lazyProvider(`providers/cloudstack/objects/${file}`, "provider"), name, props, { ...opts, additionalSecretOutputs: ["connection", ...secrets] }, "cloudstack", type);
    }
}
