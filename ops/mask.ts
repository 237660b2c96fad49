/**
 * Hides secrets in anything ops prints or writes: every secret value the
 * stack knows (config, outputs, state), and the shapes secrets take in
 * CloudStack and MySQL files whose values ops cannot know (a password the
 * operator typed by hand, CloudStack's ENC(...) values, signed API URLs).
 */
import { maskSecrets } from "../providers/remote/ssh";

export const MASK = "********";

const PATTERNS: [RegExp, string][] = [
    // db.properties and jasypt: ENC(base64).
    [/ENC\([^)\s]*\)/g, `ENC(${MASK})`],
    // PEM private keys, whole.
    [/-----BEGIN [A-Z ]*PRIVATE KEY-----[\s\S]*?-----END [A-Z ]*PRIVATE KEY-----/g, `-----PRIVATE KEY ${MASK}-----`],
    // API URLs and form bodies: apikey=..., signature=..., sessionkey=..., password=...
    [/([?&;](?:apikey|apiKey|signature|sessionkey|sessionKey|password|secretkey|secretKey)=)[^&\s"']+/g, `$1${MASK}`],
    // key=value and key: value lines (properties, cnf, YAML, logs).
    [
        /\b([A-Za-z0-9_.-]*(?:password|passwd|secret|secretkey|secret_key|apikey|api_key|sessionkey|privatekey|private_key|token)[A-Za-z0-9_.-]*"?\s*[=:]\s*)("[^"]*"|'[^']*'|[^\s,;&]+)/gi,
        `$1${MASK}`,
    ],
    // SQL account statements: IDENTIFIED BY 'x', IDENTIFIED ... AS 'hash', PASSWORD 'hash', USING 'hash'.
    [/\b(IDENTIFIED\s+(?:BY|WITH\s+\S+\s+AS)|PASSWORD|USING)\s+'[^']*'/gi, `$1 '${MASK}'`],
    // mysql_native_password hashes.
    [/\*[0-9A-F]{40}\b/g, `*${MASK}`],
    // user:password@host in URLs and cloudstack-setup-databases arguments.
    [/\b([A-Za-z0-9_.-]+):[^\s:@/]{4,}@(?=[A-Za-z0-9.[\]-]+)/g, `$1:${MASK}@`],
];

/** `text` with every known secret and every secret-shaped value replaced. */
export function maskText(text: string, secrets: readonly string[]): string {
    let masked = maskSecrets(text, [...secrets]);
    for (const [pattern, replacement] of PATTERNS) masked = masked.replace(pattern, replacement);
    return masked;
}
