/**
 * Errors from the CloudStack API, readable on their own: the command, the
 * HTTP status (which equals CloudStack's errorcode), the server's text and the
 * parameters sent, with every secret removed.
 */
import { Params } from "./signing";

const SECRET_NAMES = /password|secret|signature|sessionkey|apikey|userkey/i;

/** "name=TEST, dns1=8.8.8.8, password=(hidden)". */
export function describeParams(params: Params): string {
    return Object.entries(params)
        .filter(([name]) => !["command", "response", "signatureversion", "expires"].includes(name))
        .map(([name, value]) => `${name}=${SECRET_NAMES.test(name) ? "(hidden)" : value}`)
        .join(", ");
}

export class CloudStackError extends Error {
    constructor(
        readonly command: string,
        /** HTTP status; for a failed async job, its errorcode. */
        readonly code: number,
        readonly errortext: string,
        params: Params,
        readonly jobId?: string,
    ) {
        super(`CloudStack ${command} failed${jobId ? ` (async job ${jobId})` : ""} with error ${code}: ${errortext} [sent: ${describeParams(params)}]`);
        this.name = "CloudStackError";
    }
}

/** The server could not be reached or closed the connection; `delivered` tells whether it may have acted. */
export class CloudStackConnectionError extends Error {
    constructor(
        readonly command: string,
        apiUrl: string,
        cause: string,
        /** The request may have reached the server and acted (a mutating call whose answer was lost). */
        readonly delivered: boolean,
    ) {
        super(
            `CloudStack ${command} could not be completed at ${apiUrl}: ${cause}.` +
                (delivered ? " The request may have reached the server; it is not sent again before the server shows whether it took effect." : ""),
        );
        this.name = "CloudStackConnectionError";
    }
}

/** A job or wait that ran past its deadline. */
export class CloudStackTimeoutError extends Error {
    constructor(message: string) {
        super(message);
        this.name = "CloudStackTimeoutError";
    }
}

/**
 * Whether a delete found the object already gone: 4.19 answers 431 with a
 * "does not exist" text for deleted rows (reference §9.13), and a few deletes
 * word it as "unable to find" / "specify a valid ... id".
 */
export function isAlreadyGone(err: unknown): boolean {
    return err instanceof CloudStackError && err.code === 431 && /does not exist|unable to find|specify a valid .*id/i.test(err.errortext);
}

/** Whether the API refused the credentials (bad or revoked keys, expired session). */
export function isUnauthorized(err: unknown): boolean {
    return err instanceof CloudStackError && err.code === 401;
}
