/**
 * GeneratedSecret: a random secret created once and then kept, encrypted, in
 * the stack state — the job @pulumi/random's RandomPassword would do, whose
 * plugin cannot be built here (docs/DESIGN.md).
 *
 * The alphabet avoids characters that need quoting in shell, SQL, URLs or
 * CloudStack's `user:password@host` arguments.
 */
import * as pulumi from "@pulumi/pulumi";
import { LazyDynamicResource, lazyProvider } from "../lazyProvider";

export interface GeneratedSecretArgs {
    /** Number of characters (at least 16). */
    readonly length: pulumi.Input<number>;
}

interface SecretInputs {
    length: number;
}

const ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz23456789";

export const generatedSecretProvider = {
    async check(_olds: SecretInputs, news: SecretInputs) {
        const ok = Number.isInteger(news.length) && news.length >= 16 && news.length <= 256;
        return { inputs: news, failures: ok ? [] : [{ property: "length", reason: "length must be an integer from 16 to 256" }] };
    },

    async diff(_id: string, olds: SecretInputs & { value: string }, news: SecretInputs) {
        const changed = olds.length !== news.length;
        return { changes: changed, replaces: changed ? ["length"] : [] };
    },

    async create(inputs: SecretInputs) {
        const crypto = require("crypto");
        let value = "";
        // Rejection sampling keeps every character equally likely.
        while (value.length < inputs.length) {
            for (const byte of crypto.randomBytes(inputs.length * 2)) {
                if (byte < 256 - (256 % ALPHABET.length) && value.length < inputs.length) value += ALPHABET[byte % ALPHABET.length];
            }
        }
        return { id: crypto.randomBytes(8).toString("hex"), outs: { length: inputs.length, value } };
    },
};

export class GeneratedSecret extends LazyDynamicResource {
    /** The secret itself (always marked secret). */
    declare readonly value: pulumi.Output<string>;

    constructor(name: string, args: GeneratedSecretArgs, opts?: pulumi.CustomResourceOptions) {
        super(lazyProvider("providers/secrets/GeneratedSecret", "generatedSecretProvider"), name, { ...args, value: undefined }, { ...opts, additionalSecretOutputs: ["value"] }, "secrets", "GeneratedSecret");
    }
}
