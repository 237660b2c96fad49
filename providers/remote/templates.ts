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

/** Renders `templates/<name>.mustache` (e.g. "nfs-server.sh") with `view`. */
export function renderTemplate(name: string, view: object): string {
    const file = path.join(TEMPLATE_DIR, `${name}.mustache`);
    if (!fs.existsSync(file)) {
        throw new Error(`template '${name}' not found (looked for ${file})`);
    }
    const text = Mustache.render(readTemplate(file), view, loadPartial, { escape: (value: string) => value });
    renderedFrom.set(text, name);
    return text;
}
