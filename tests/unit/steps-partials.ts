/**
 * The shared shell helpers (templates/partials) rendered as a script would
 * include them, followed by a test's own lines, for tests that run the
 * helpers by themselves.
 */
import * as fs from "fs";
import * as path from "path";
import Mustache from "mustache";
import { TEMPLATE_DIR } from "../../providers/remote/templates";

export const HELPER_PARTIALS = ["prelude.sh", "files.sh", "apt.sh", "services.sh", "mysql-server.sh", "mysql-client.sh", "cloudstack-tool-wrappers.sh"];

/** The helpers (MariaDB flavour) followed by `body`. */
export function withHelpers(body: string): string {
    const load = (name: string) => fs.readFileSync(path.join(TEMPLATE_DIR, "partials", `${name}.mustache`), "utf8");
    const template = `${HELPER_PARTIALS.map((p) => `{{> ${p}}}`).join("\n")}\n${body}`;
    return Mustache.render(template, { mariadb: true }, load, { escape: (v: string) => v });
}
