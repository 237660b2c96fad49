/**
 * repair ssvm-certificate (operator pain point 5): browser uploads fail when
 * the SSVM's certificate is not trusted. The lab path is plain HTTP for
 * uploads: use.https.to.upload=false, which takes effect only after a
 * management server restart (apache/cloudstack#7568); then a new SSVM, which
 * also gets a freshly issued certificate. --keep-https skips the setting and
 * only recreates the SSVM (re-issuing its certificate).
 */
import { integerFlag } from "../args";
import { apiClient } from "../api";
import { manageServices } from "../management";
import { recreateSystemVms } from "../systemVms";
import { recheck } from "./recheck";
import { RepairAction } from "./types";
import { readGlobalSetting, SETTING_NAMES, writeGlobalSetting } from "../../providers/cloudstack/operations";

const SETTING = SETTING_NAMES.useHttpsToUpload;

export const ssvmCertificate: RepairAction = {
    name: "ssvm-certificate",
    summary: "set use.https.to.upload=false (unless --keep-https), restart the management server when that changed it, recreate the SSVM, re-check",
    async run(ctx, args, log) {
        const timeout = integerFlag(args, "timeout", ctx.settings.zone.readyTimeoutSeconds, 30, 86400);
        const api = apiClient(ctx);
        if (args.flags["keep-https"] !== "true") {
            const current = await readGlobalSetting(api, SETTING);
            if (current === "false") {
                log(`${SETTING} is already false: no restart needed`);
            } else {
                await writeGlobalSetting(api, SETTING, "false");
                log(`${SETTING}: ${current ?? "(unset)"} -> false; restarting the management server so it takes effect`);
                await manageServices(ctx, "restart", log);
            }
        }
        await recreateSystemVms(ctx, ["secondarystoragevm"], timeout, log);
        return recheck(ctx, ["ssvm-running"], log);
    },
};
