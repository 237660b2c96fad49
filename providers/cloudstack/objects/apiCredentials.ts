/**
 * The admin's API keys, obtained without the web UI (reference §4): log in
 * (the configured password first, then the fresh install's once — five bad
 * logins lock ordinary accounts, so there is never a loop), find the user,
 * getUserKeys, registerUserKeys only when there are none (each call replaces
 * the pair), set the configured password, log out. The keys are secret
 * outputs; refresh checks they still work, and the next `up` fetches them
 * again if they do not. Destroying it leaves the keys and password in place.
 */
import * as pulumi from "@pulumi/pulumi";
import { LazyDynamicResource, lazyProvider } from "../../lazyProvider";
import { CloudStackClient } from "../client";
import { CloudStackError, isUnauthorized } from "../errors";
import { sameValue } from "../resource";
import { InputChecks } from "../validate";

export interface ApiCredentialsInputs {
    apiUrl: string;
    username: string;
    /** Domain path; "/" is ROOT (sending "ROOT" fails). */
    domain: string;
    /** The fresh install's password, tried once if the configured one is refused. */
    initialPassword: string;
    /** The password the admin ends up with. */
    password: string;
}

interface ApiCredentialsOutputs extends ApiCredentialsInputs {
    userId: string;
    apiKey: string;
    secretKey: string;
    keysValid: boolean;
}

/** Logs in with the first password that works, trying each at most once. */
async function loginOnce(inputs: ApiCredentialsInputs, passwords: string[]): Promise<{ session: CloudStackClient; password: string }> {
    const refusals: string[] = [];
    for (const password of passwords) {
        try {
            return { session: await CloudStackClient.login(inputs.apiUrl, inputs.username, password, inputs.domain), password };
        } catch (err) {
            if (!(err instanceof CloudStackError && err.code === 531)) throw err;
            refusals.push(err.errortext);
        }
    }
    throw new Error(
        `cannot log in to CloudStack at ${inputs.apiUrl} as ${inputs.username}: ${passwords.length === 1 ? "the password was" : "neither the configured nor the initial admin password was"} accepted ` +
            `(${refusals[refusals.length - 1]}). No more attempts were made, since repeated failures lock accounts; set the admin password in the stack config to the one the server has.`,
    );
}

async function bootstrap(inputs: ApiCredentialsInputs, previousPassword?: string): Promise<ApiCredentialsOutputs> {
    const candidates = [...new Set([inputs.password, previousPassword, inputs.initialPassword].filter((p): p is string => Boolean(p)))].slice(0, 2);
    const { session, password } = await loginOnce(inputs, candidates);
    try {
        const users = await session.list<{ id: string; username: string }>("listUsers", { username: inputs.username, listall: "true" });
        const user = users.find((u) => u.username === inputs.username);
        if (!user) throw new Error(`CloudStack at ${inputs.apiUrl} lists no user ${inputs.username}`);
        let keys = (await session.request("getUserKeys", { id: user.id })).userkeys as { apikey?: string; secretkey?: string } | undefined;
        if (!keys?.apikey || !keys.secretkey) keys = (await session.request("registerUserKeys", { id: user.id })).userkeys as { apikey: string; secretkey: string };
        if (password !== inputs.password) await session.request("updateUser", { id: user.id, password: inputs.password });
        return { ...inputs, userId: user.id, apiKey: keys.apikey as string, secretKey: keys.secretkey as string, keysValid: true };
    } finally {
        await session.logout().catch(() => undefined);
    }
}

async function keysWork(outputs: ApiCredentialsOutputs): Promise<boolean> {
    const api = new CloudStackClient({ apiUrl: outputs.apiUrl, credentials: { apiKey: outputs.apiKey, secretKey: outputs.secretKey } });
    try {
        await api.list("listUsers", { id: outputs.userId });
        return true;
    } catch (err) {
        if (isUnauthorized(err)) return false;
        throw err;
    }
}

export const provider = {
    async check(_olds: ApiCredentialsInputs, news: ApiCredentialsInputs) {
        const inputs = { ...news, domain: news.domain ?? "/", username: news.username ?? "admin" };
        const checks = new InputChecks().apiUrl("apiUrl", inputs.apiUrl).text("username", inputs.username, "a user name such as admin").text("password", inputs.password, "a non-empty password");
        if (/^\/?ROOT\/?$/i.test(inputs.domain)) checks.fail("domain", 'domain must be a path: "/" is the ROOT domain ("ROOT" would be looked up as /ROOT/ and fail)');
        return { inputs, failures: checks.failures };
    },

    async diff(_id: string, olds: ApiCredentialsOutputs, news: ApiCredentialsInputs) {
        const replaces = ["username", "domain"].filter((key) => !sameValue(olds[key as keyof ApiCredentialsInputs], news[key as keyof ApiCredentialsInputs]));
        const changes = replaces.length > 0 || olds.keysValid === false || olds.password !== news.password || olds.apiUrl !== news.apiUrl || olds.initialPassword !== news.initialPassword;
        return { changes, replaces, deleteBeforeReplace: true };
    },

    async create(inputs: ApiCredentialsInputs) {
        const outs = await bootstrap(inputs);
        return { id: outs.userId, outs };
    },

    async read(id: string, props: ApiCredentialsOutputs) {
        return { id, props: { ...props, keysValid: await keysWork(props) } };
    },

    async update(_id: string, olds: ApiCredentialsOutputs, news: ApiCredentialsInputs) {
        const current = { ...olds, ...news };
        if (olds.password === news.password && (await keysWork(current))) return { outs: { ...current, keysValid: true } };
        return { outs: await bootstrap(news, olds.password) };
    },
};

export interface ApiCredentialsArgs {
    readonly apiUrl: pulumi.Input<string>;
    readonly username?: pulumi.Input<string>;
    readonly domain?: pulumi.Input<string>;
    readonly initialPassword: pulumi.Input<string>;
    readonly password: pulumi.Input<string>;
}

export class ApiCredentials extends LazyDynamicResource {
    declare readonly userId: pulumi.Output<string>;
    /** Secret. */
    declare readonly apiKey: pulumi.Output<string>;
    /** Secret. */
    declare readonly secretKey: pulumi.Output<string>;
    declare readonly keysValid: pulumi.Output<boolean>;

    constructor(name: string, args: ApiCredentialsArgs, opts?: pulumi.CustomResourceOptions) {
        super(
            lazyProvider("providers/cloudstack/objects/apiCredentials", "provider"),
            name,
            {
                ...args,
                initialPassword: pulumi.secret(args.initialPassword),
                password: pulumi.secret(args.password),
                userId: undefined,
                apiKey: undefined,
                secretKey: undefined,
                keysValid: undefined,
            },
            { ...opts, additionalSecretOutputs: ["apiKey", "secretKey", "initialPassword", "password"] },
            "cloudstack",
            "ApiCredentials",
        );
    }
}
