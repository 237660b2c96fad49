/**
 * repair systemvm-template: seed the KVM SystemVM template on secondary
 * storage again (cloud-install-sys-tmplt on the management server, with the
 * template id read on the database node), then destroy the SSVM and CPVM so
 * CloudStack starts new ones from it, wait for them, and re-check.
 */
import { integerFlag } from "../args";
import { nodeWith } from "../context";
import { runOnNodeOrFail, shellSafe } from "../nodeScript";
import { recreateSystemVms } from "../systemVms";
import { checked } from "../../config/safeValues";
import { engineOf } from "../../config/databaseEngine";
import { recheck } from "./recheck";
import { RepairAction } from "./types";

export const systemvmTemplate: RepairAction = {
    name: "systemvm-template",
    summary: "re-seed the KVM SystemVM template on secondary storage and recreate the SSVM and CPVM (--url to seed another file)",
    async run(ctx, args, log) {
        const url = checked("url", args.flags.url ? "--url" : "packages.systemVmTemplateUrl", args.flags.url ?? ctx.settings.packages.systemVmTemplateUrl);
        const timeout = integerFlag(args, "timeout", ctx.settings.zone.readyTimeoutSeconds, 30, 86400);
        const database = nodeWith(ctx, "database");
        const management = nodeWith(ctx, "management");
        const id = await runOnNodeOrFail(ctx, database, "ops-systemvm-template-id", engineOf(ctx.settings.packages));
        const templateId = shellSafe("template id", id.report.outputs.templateId ?? "");
        log(`KVM SystemVM template record: ${templateId}; seeding ${url} on ${ctx.settings.nfs.server}:${ctx.settings.nfs.secondaryPath}`);
        const seeded = await runOnNodeOrFail(
            ctx,
            management,
            "ops-repair-systemvm-template",
            { nfsServer: checked("host", "nfs.server", ctx.settings.nfs.server), secondaryPath: checked("path", "nfs.secondaryPath", ctx.settings.nfs.secondaryPath), templateUrl: url },
            { env: { TEMPLATE_ID: templateId }, timeoutSeconds: 3600 },
        );
        for (const change of seeded.report.changed) log(`${management.name}: ${change}`);
        await recreateSystemVms(ctx, ["secondarystoragevm", "consoleproxy"], timeout, log);
        return recheck(ctx, ["systemvm-template", "ssvm-running", "cpvm-running"], log);
    },
};
