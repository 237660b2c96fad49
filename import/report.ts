/** The import report: what came from where, what did not and why; never a secret's value. */
import { ImportPlan } from "./importPlan";

export function formatReport(plan: ImportPlan, from: string, target: string, vaults: string[]): string {
    const lines: string[] = [`Imported from ${from} into ${target}:`];
    for (const entry of plan.imported) lines.push(`  cloudstack:${entry.key}  <- ${entry.from}${entry.note ? `  (${entry.note})` : ""}`);
    if (vaults.length > 0) {
        lines.push("Vaults decrypted in memory (their values were set with the stack's secrets provider, never written in plain text):");
        for (const v of vaults) lines.push(`  ${v}`);
    }
    lines.push("Not imported:");
    if (plan.skipped.length === 0) lines.push("  (nothing)");
    for (const s of plan.skipped) lines.push(`  ${s.from}: ${s.why}`);
    lines.push("Not in the Ansible files (the program's default applies, or set them yourself):");
    for (const u of plan.unknown) lines.push(`  cloudstack:${u.key}: ${u.why}`);
    return lines.join("\n");
}
