/**
 * Who is calling: a signed request (ApiServer.verifyRequest, see
 * javaSigning.ts) or a login session (ApiServlet with
 * api.sessionkey.check.locations=CookieAndParameter: the JSESSIONID cookie,
 * the sessionkey cookie and the sessionkey parameter must all agree).
 */
import * as crypto from "crypto";
import { javaSignature, parseExpires } from "./javaSigning";
import { live, passwordMatches, UserRow } from "./store";

export interface Session {
    jsessionid: string;
    sessionkey: string;
    userId: string;
}

/** The first value of a name compared case-insensitively, as verifyRequest finds apikey, expires and signatureversion. */
function firstValue(pairs: [string, string][], name: string): string | undefined {
    return pairs.find(([key]) => key.toLowerCase() === name)?.[1];
}

function constantTimeEqual(a: string, b: string): boolean {
    const left = Buffer.from(a);
    const right = Buffer.from(b);
    return left.length === right.length && crypto.timingSafeEqual(left, right);
}

/** The signing user, or undefined for any of the many reasons that all become HTTP 401. */
export function verifySigned(pairs: [string, string][], users: UserRow[], now: number): UserRow | undefined {
    const signature = firstValue(pairs, "signature");
    const apiKey = firstValue(pairs, "apikey");
    if (!signature || !apiKey) return undefined;
    if (firstValue(pairs, "signatureversion") === "3") {
        const expires = parseExpires(firstValue(pairs, "expires") ?? "");
        // No skew window: the request only has to expire in the future.
        if (expires === undefined || expires < now) return undefined;
    }
    const user = live(users).find((u) => u.apikey === apiKey);
    if (!user || user.state !== "enabled" || !user.secretkey) return undefined;
    return constantTimeEqual(javaSignature(pairs, user.secretkey), signature) ? user : undefined;
}

export function parseCookies(header: string | undefined): Record<string, string> {
    const cookies: Record<string, string> = {};
    for (const part of (header ?? "").split(";")) {
        const index = part.indexOf("=");
        if (index > 0) cookies[part.slice(0, index).trim()] = part.slice(index + 1).trim();
    }
    return cookies;
}

export class Sessions {
    private readonly byId = new Map<string, Session>();

    open(user: UserRow): Session {
        const session = {
            jsessionid: crypto.randomBytes(16).toString("hex").toUpperCase(),
            sessionkey: crypto.randomBytes(20).toString("base64").replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, ""),
            userId: user.id,
        };
        this.byId.set(session.jsessionid, session);
        return session;
    }

    find(jsessionid: string | undefined): Session | undefined {
        return jsessionid ? this.byId.get(jsessionid) : undefined;
    }

    close(session: Session): void {
        this.byId.delete(session.jsessionid);
    }
}

export type LoginResult = { user: UserRow } | { error: string };

/**
 * DefaultLoginAPIAuthenticatorCmd: the domain path gets leading and trailing
 * slashes (so "ROOT" becomes "/ROOT/" and fails); failures count towards
 * incorrect.login.attempts.allowed, which disables users other than the root
 * admin.
 */
export function login(params: Record<string, string>, users: UserRow[], allowedAttempts: number): LoginResult {
    let domain = params.domain ?? "/";
    if (!domain.startsWith("/")) domain = `/${domain}`;
    if (!domain.endsWith("/")) domain = `${domain}/`;
    const user = live(users).find((u) => u.username === params.username && u.domainPath === domain);
    const failure = { error: `Failed to authenticate user ${params.username} in domain 1; please provide valid credentials` };
    if (!user || user.state !== "enabled") return failure;
    if (!passwordMatches(user.passwordHash, params.password ?? "")) {
        user.failedLogins += 1;
        if (user.accounttype !== 1 && user.failedLogins >= allowedAttempts) user.state = "disabled";
        return failure;
    }
    user.failedLogins = 0;
    return { user };
}
