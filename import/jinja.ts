/**
 * The few Jinja expressions the seed's variables use, evaluated without a
 * template engine:
 *   {{ name }}   {{ name | default('literal') }}
 *   {{ hostvars[groups['database'][0]]['ansible_host'] }}
 * i.e. names, string and integer literals, [index] and .attribute access and
 * the default filter. Anything else ({% %}, other filters, operators) is an
 * error naming the file, key and expression, never a guess.
 */
export class TemplateError extends Error {}

export interface TemplateScope {
    /** A variable's fully resolved value, or undefined when it is not defined. */
    lookup(name: string): unknown;
}

const UNDEFINED = Symbol("undefined");
type Value = unknown | typeof UNDEFINED;

export function hasTemplate(value: unknown): value is string {
    return typeof value === "string" && /\{\{|\{%|\{#/.test(value);
}

/** `where` is "file:key" for errors. A value that is exactly one expression keeps its type (a list stays a list). */
export function renderTemplate(text: string, scope: TemplateScope, where: string): unknown {
    if (/\{%|\{#/.test(text)) throw new TemplateError(`${where}: "${text}" uses Jinja statements or comments, which the importer does not evaluate; write the value out`);
    const parts: unknown[] = [];
    let rest = text;
    while (rest.length > 0) {
        const open = rest.indexOf("{{");
        if (open < 0) {
            parts.push(rest);
            break;
        }
        const close = rest.indexOf("}}", open);
        if (close < 0) throw new TemplateError(`${where}: "${text}" has "{{" without "}}"`);
        if (open > 0) parts.push(rest.slice(0, open));
        const value = evaluate(rest.slice(open + 2, close), scope, `${where}: "${text}"`);
        if (value === UNDEFINED) throw new TemplateError(`${where}: "${text}" refers to a variable that is not defined anywhere in the inventory or group_vars`);
        parts.push(value);
        rest = rest.slice(close + 2);
    }
    if (parts.length === 1) return parts[0];
    return parts.map((p) => (typeof p === "string" ? p : JSON.stringify(p))).join("");
}

type Token = { kind: "name" | "string" | "number" | "punct"; text: string };

function tokenize(expression: string, where: string): Token[] {
    const tokens: Token[] = [];
    const re = /\s*(?:([A-Za-z_][A-Za-z0-9_]*)|'([^'\\]*)'|"([^"\\]*)"|(\d+)|([[\]().|]))/y;
    let pos = 0;
    while (pos < expression.length) {
        if (/^\s*$/.test(expression.slice(pos))) break;
        re.lastIndex = pos;
        const m = re.exec(expression);
        if (!m) throw new TemplateError(`${where} uses an expression the importer does not evaluate (at "${expression.slice(pos).trim()}"); only names, quoted strings, [index], .attribute and "| default('...')" are supported`);
        pos = re.lastIndex;
        if (m[1] !== undefined) tokens.push({ kind: "name", text: m[1] });
        else if (m[2] !== undefined || m[3] !== undefined) tokens.push({ kind: "string", text: m[2] ?? m[3] });
        else if (m[4] !== undefined) tokens.push({ kind: "number", text: m[4] });
        else tokens.push({ kind: "punct", text: m[5] });
    }
    return tokens;
}

function evaluate(expression: string, scope: TemplateScope, where: string): Value {
    const tokens = tokenize(expression, where);
    let i = 0;
    const unsupported = (what: string): never => {
        throw new TemplateError(`${where} uses ${what}, which the importer does not evaluate; only names, quoted strings, [index], .attribute and "| default('...')" are supported`);
    };
    const expect = (text: string) => {
        if (tokens[i]?.text !== text || tokens[i]?.kind !== "punct") unsupported(`"${tokens[i]?.text ?? "end of expression"}" where "${text}" belongs`);
        i++;
    };
    const literal = (): Value => {
        const t = tokens[i++];
        if (!t) return unsupported("an incomplete expression");
        if (t.kind === "string") return t.text;
        if (t.kind === "number") return Number(t.text);
        return unsupported(`"${t.text}" as a default (only quoted strings and integers)`);
    };
    const primary = (): Value => {
        const t = tokens[i++];
        if (!t) return unsupported("an empty expression");
        if (t.kind === "string") return t.text;
        if (t.kind === "number") return Number(t.text);
        if (t.kind === "name") {
            const value = scope.lookup(t.text);
            return value === undefined ? UNDEFINED : value;
        }
        return unsupported(`"${t.text}"`);
    };
    const postfix = (): Value => {
        let value = primary();
        for (;;) {
            const t = tokens[i];
            if (t?.kind === "punct" && t.text === "[") {
                i++;
                const index = postfix();
                expect("]");
                value = member(value, index);
            } else if (t?.kind === "punct" && t.text === ".") {
                i++;
                const name = tokens[i++];
                if (name?.kind !== "name") unsupported(`"." not followed by a name`);
                value = member(value, name.text);
            } else return value;
        }
    };
    let value = postfix();
    while (i < tokens.length) {
        expect("|");
        const filter = tokens[i++];
        if (filter?.kind !== "name" || (filter.text !== "default" && filter.text !== "d")) unsupported(`the filter "${filter?.text ?? ""}"`);
        expect("(");
        const fallback = literal();
        expect(")");
        if (value === UNDEFINED) value = fallback;
    }
    return value;
}

function member(container: Value, key: Value): Value {
    if (container === UNDEFINED || key === UNDEFINED || container === null || typeof container !== "object") return UNDEFINED;
    if (Array.isArray(container)) return typeof key === "number" && key < container.length ? container[key] : UNDEFINED;
    const value = (container as Record<string, unknown>)[String(key)];
    return value === undefined ? UNDEFINED : value;
}
