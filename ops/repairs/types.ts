/** What a repair action is. */
import { OpsArgs } from "../args";
import { OpsContext } from "../context";

export interface RepairAction {
    /** The name on the command line: npm run ops -- repair <name>. */
    name: string;
    /** One line for the usage text and docs/OPERATIONS.md. */
    summary: string;
    /** Repairs, then re-checks; resolves true when the re-check passes. */
    run(ctx: OpsContext, args: OpsArgs, log: (line: string) => void): Promise<boolean>;
}
