/**
 * Cold deploy and no-change re-run of the lab stack, against the floor set
 * by the same package installs with no tool at all, measured in the same run.
 *
 *   npx ts-node --transpile-only bench/lab-deploy.ts
 *
 * 1. floor: a fresh lab; on every host at once, one `apt-get install` of the
 *    packages the program installs there (apt cache warm, as in the reference run);
 * 2. cold: another fresh lab; `pulumi up` of the lab stack (tests/lab-e2e/labStack.ts);
 * 3. no change: `pulumi up` again (target ≤ 10 s, no remote command), 3 runs;
 * 4. `pulumi preview` with no change.
 *
 * Targets (shared/reference/performance-targets.md): cold ≤ 1.03 × floor;
 * no-change up ≤ 10 s (the Ansible reference re-run: ~86 s).
 */
import { execFileSync } from "child_process";
import * as path from "path";
import { createTestProject } from "../tests/support/engine";
import { LabInventory, TestLab } from "../tests/support/lab";
import { REPO } from "../tests/support/stackConfig";
import { labStackConfig, LabRoles } from "../tests/lab-e2e/labStack";

const roles: LabRoles = { nfs: "nfs1", database: "db1", management: "mgmt1", kvm: ["kvm1", "kvm2"] };
const BASE = "chrony curl ca-certificates gnupg python3 iproute2";
const PACKAGES: Record<string, string> = {
    nfs1: `${BASE} nfs-kernel-server`,
    db1: `${BASE} mariadb-server`,
    mgmt1: `${BASE} openjdk-17-jre-headless mariadb-client cloudstack-management cloudstack-usage`,
    kvm1: `${BASE} libvirt-daemon-system libvirt-clients openjdk-17-jre-headless cloudstack-agent`,
    kvm2: `${BASE} libvirt-daemon-system libvirt-clients openjdk-17-jre-headless cloudstack-agent`,
};

const seconds = (since: number) => (Date.now() - since) / 1000;

function newLab(localDir: string, prefix: string): TestLab {
    return new TestLab({ prefix, managementPrefix: "10.85.0", publicPrefix: "10.86.0", sshPortBase: 29000, localDir });
}

async function floor(localDir: string): Promise<number> {
    const lab = newLab(localDir, "labfloor");
    await lab.down();
    const inventory: LabInventory = await lab.up(roles.nfs, roles.database, roles.management, ...roles.kvm);
    try {
        const repo = `${inventory.localUrl}/cloudstack`;
        const started = Date.now();
        await Promise.all(
            Object.entries(PACKAGES).map(([host, packages]) =>
                lab.ssh(
                    host,
                    `set -e; mkdir -p /etc/apt/keyrings; curl -fsS -o /etc/apt/keyrings/cloudstack.asc ${repo}/release.asc; ` +
                        `echo "deb [signed-by=/etc/apt/keyrings/cloudstack.asc] ${repo} lab 4.19" >/etc/apt/sources.list.d/cloudstack.list; ` +
                        `apt-get update -q >/dev/null; DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends ${packages} >/dev/null`,
                ),
            ),
        );
        return seconds(started);
    } finally {
        await lab.down();
    }
}

async function main(): Promise<void> {
    const localDir = execFileSync(path.join(REPO, "tests/lab/standin-packages/build-repo.sh"), { encoding: "utf8" }).trim().split("\n").pop()!;
    const floorSeconds = await floor(localDir);
    console.log(`floor (same packages, no tool, all hosts at once): ${floorSeconds.toFixed(1)} s`);

    const lab = newLab(localDir, "labbench");
    await lab.down();
    const inventory = await lab.up(roles.nfs, roles.database, roles.management, ...roles.kvm);
    const project = await createTestProject({ stackName: "lab", config: labStackConfig(inventory, roles) });
    try {
        let started = Date.now();
        await project.stack.up();
        const cold = seconds(started);
        console.log(`cold pulumi up: ${cold.toFixed(1)} s = ${(cold / floorSeconds).toFixed(2)} × floor (target ≤ 1.03)`);
        const noChange: number[] = [];
        for (let run = 0; run < 3; run++) {
            started = Date.now();
            const up = await project.stack.up();
            noChange.push(seconds(started));
            if (Object.keys(up.summary.resourceChanges ?? {}).some((op) => op !== "same")) throw new Error(`a no-change up changed something: ${JSON.stringify(up.summary.resourceChanges)}`);
        }
        console.log(`no-change pulumi up: ${noChange.map((s) => s.toFixed(1)).join(", ")} s (target ≤ 10 s)`);
        started = Date.now();
        await project.stack.preview({ expectNoChanges: true });
        console.log(`no-change pulumi preview: ${seconds(started).toFixed(1)} s`);
        await project.stack.destroy();
    } finally {
        await project.remove();
        await lab.down();
    }
}

main().catch((err) => {
    console.error(err);
    process.exit(1);
});
