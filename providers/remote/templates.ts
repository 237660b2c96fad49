/**
 * Renders the mustache templates under templates/.
 *
 * Templates receive only validated values (addresses, names, numbers) and
 * rendered config files; secrets never pass through here — scripts read them
 * from environment variables that RemoteScript sets from stdin. So no escaping
 * is applied: HTML escaping would corrupt shell and YAML.
 */
import * as fs from "fs";
import * as path from "path";
import Mustache from "mustache";

export const TEMPLATE_DIR = path.join(__dirname, "..", "..", "templates");
const PARTIAL_DIR = path.join(TEMPLATE_DIR, "partials");

const sourceCache = new Map<string, string>();

// The template each rendered text came from, so a preview can name the
// templates behind a resource without the name becoming one of its inputs
// (a new input would be a change, and re-run the script, on every existing stack).
const renderedFrom = new Map<string, string>();

/** The template (e.g. "kvm-libvirt.sh") that rendered exactly this text, if one did. */
export function templateOf(text: string): string | undefined {
    return renderedFrom.get(text);
}

function readTemplate(file: string): string {
    let text = sourceCache.get(file);
    if (text === undefined) {
        text = fs.readFileSync(file, "utf8");
        sourceCache.set(file, text);
    }
    return text;
}

function loadPartial(name: string): string {
    return readTemplate(path.join(PARTIAL_DIR, `${name}.mustache`));
}

// Rendered texts by template and view: a stack of 100 KVM hosts renders the
// same scripts with the same values 100 times (bench/preview-scale.ts).
const renderCache = new Map<string, string>();

/** Views larger than this (a stage made of whole scripts) are rendered again: their key would cost more than the render. */
const MAX_KEY_LENGTH = 16 * 1024;

/** The cache key of a view made of plain data; undefined when it holds a function (a mustache lambda) or is large. */
function viewKey(name: string, view: object): string | undefined {
    let plain = true;
    const json = JSON.stringify(view, (_key, value) => {
        if (typeof value === "function") plain = false;
        return value;
    });
    return plain && json.length <= MAX_KEY_LENGTH ? `${name}\0${json}` : undefined;
}

/** Renders `templates/<name>.mustache` (e.g. "nfs-server.sh") with `view`. */
export function renderTemplate(name: string, view: object): string {
    const key = viewKey(name, view);
    const cached = key === undefined ? undefined : renderCache.get(key);
    if (cached !== undefined) return cached;
    const file = path.join(TEMPLATE_DIR, `${name}.mustache`);
    if (!fs.existsSync(file)) {
        throw new Error(`template '${name}' not found (looked for ${file})`);
    }
    const text = Mustache.render(readTemplate(file), view, loadPartial, { escape: (value: string) => value });
    renderedFrom.set(text, name);
    if (key !== undefined) renderCache.set(key, text);
    return text;
}
