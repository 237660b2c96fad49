/** The ops command lines that fix texts and messages point operators to. */
import { OpsContext } from "./context";

/** e.g. "npm run ops -- repair kvm-host --stack dev --node kvm1". */
export function opsCommand(ctx: OpsContext, command: string, node?: string): string {
    return `npm run ops -- ${command} --stack ${ctx.settings.stack}${node ? ` --node ${node}` : ""}`;
}
