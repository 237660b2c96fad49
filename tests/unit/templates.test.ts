/**
 * Every node script, rendered from the seed's example and from the variants
 * the settings allow: valid bash, clean under shellcheck, free of secrets,
 * reading exactly the secrets its step declares, and with its guards in place.
 */
import { execFileSync, spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import * as pulumi from "@pulumi/pulumi";
import { Settings } from "../../config/settings";
import { TEMPLATE_DIR } from "../../providers/remote/templates";
import { SecretName } from "../../providers/remote/step";
import { allSteps, haSteps, NamedStep } from "./steps-all";
import { seedSettings } from "./steps-fixture";

const SECRET_NAMES: SecretName[] = [
    "MYSQL_ROOT_PASSWORD",
    "CLOUD_DB_PASSWORD",
    "DEPLOY_ADMIN_PASSWORD",
    "MANAGEMENT_SERVER_KEY",
    "DATABASE_KEY",
    "CLOUDSTACK_API_KEY",
    "CLOUDSTACK_SECRET_KEY",
    "KVM_HOST_PASSWORD",
];

/** The other settings the scripts branch on, all in one variant. */
function variant(): Settings {
    const settings = seedSettings();
    settings.packages.databaseEngine = "mariadb";
    settings.database.engine = "mariadb";
    settings.packages.aptProxy = "http://10.15.0.1:3142";
    settings.packages.cloudstackRepoKeyUrl = "";
    settings.nfs.dataDisk = undefined;
    settings.nfs.verifyServing = false;
    settings.nfs.forceFormat = true;
    settings.kvm.requireHardwareVirtualization = false;
    settings.destroyData = true;
    return settings;
}

const VARIANTS: [string, NamedStep[]][] = [
    ["seed example", allSteps(seedSettings())],
    ["variant", allSteps(variant())],
    ["high availability", haSteps(variant())],
];

interface Script {
    label: string;
    text: string;
    secretEnv: string[];
}

function scriptsOf(steps: NamedStep[], label: string): Script[] {
    return steps.flatMap(({ id, step }) => [
        { label: `${label}: ${id}`, text: step.script, secretEnv: step.secretEnv ?? [] },
        ...(step.deleteScript ? [{ label: `${label}: ${id} (delete)`, text: step.deleteScript, secretEnv: step.secretEnv ?? [] }] : []),
    ]);
}

const SCRIPTS = VARIANTS.flatMap(([label, steps]) => scriptsOf(steps, label));

describe("rendered scripts", () => {
    let dir: string;
    const files = new Map<string, string>();

    beforeAll(() => {
        dir = fs.mkdtempSync(path.join(os.tmpdir(), "steps-"));
        SCRIPTS.forEach((script, i) => {
            const file = path.join(dir, `${i}.sh`);
            fs.writeFileSync(file, script.text);
            files.set(script.label, file);
        });
    });
    afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

    test("there is one for every step of every node kind", () => {
        const ids = new Set(VARIANTS.flatMap(([, steps]) => steps.map((s) => s.id)));
        for (const id of ["common/base", "nfs/nfs-disk", "nfs/nfs-server", "database/database-lockdown", "management/setup-databases", "management/cloudmonkey", "kvm/vxlan-readiness", "kvm/management-key"]) {
            expect(ids).toContain(id);
        }
    });

    test.each(SCRIPTS.map((s) => [s.label]))("%s passes bash -n", (label) => {
        const result = spawnSync("bash", ["-n", files.get(label)!], { encoding: "utf8" });
        expect(result.stderr).toBe("");
        expect(result.status).toBe(0);
    });

    test("all pass shellcheck (every severity)", () => {
        const result = spawnSync("shellcheck", ["-s", "bash", "-f", "gcc", ...files.values()], { encoding: "utf8" });
        const byLabel = new Map([...files].map(([label, file]) => [file, label]));
        const findings = result.stdout.split("\n").filter(Boolean).map((line) => {
            const file = line.split(":")[0];
            return `${byLabel.get(file)}: ${line.slice(file.length + 1)}`;
        });
        expect(findings).toEqual([]);
        expect(result.status).toBe(0);
    });

    test("the embedded Python launcher of cloudstack-setup-databases compiles", () => {
        const setup = SCRIPTS.find((s) => s.label === "seed example: management/setup-databases")!.text;
        const python = /python3 - <<'CLOUDSTACK_INFRA_PY'\n([\s\S]*?)\nCLOUDSTACK_INFRA_PY\n/.exec(setup)![1];
        const file = path.join(dir, "launcher.py");
        fs.writeFileSync(file, python);
        execFileSync("python3", ["-m", "py_compile", file]);
    });
});

describe("secrets", () => {
    test("no secret value reaches a rendered script or a step's plain environment", () => {
        // Sentinels everywhere a secret could come from: the settings and the controller's environment.
        const sentinels = Object.fromEntries(SECRET_NAMES.map((name) => [name, `Sentinel-${name}-7q`]));
        const saved = { ...process.env };
        Object.assign(process.env, sentinels);
        try {
            const settings = seedSettings();
            settings.secrets = {
                mysqlRootPassword: pulumi.secret(sentinels.MYSQL_ROOT_PASSWORD),
                cloudDbPassword: pulumi.secret(sentinels.CLOUD_DB_PASSWORD),
                kvmHostPassword: pulumi.secret(sentinels.KVM_HOST_PASSWORD),
                initialAdminPassword: pulumi.secret("password"),
                managementServerKey: pulumi.secret(sentinels.MANAGEMENT_SERVER_KEY),
                databaseKey: pulumi.secret(sentinels.DATABASE_KEY),
                apiKey: pulumi.secret(sentinels.CLOUDSTACK_API_KEY),
                secretKey: pulumi.secret(sentinels.CLOUDSTACK_SECRET_KEY),
            };
            const rendered = JSON.stringify(allSteps(settings).map(({ step }) => [step.script, step.deleteScript, step.env]));
            for (const sentinel of Object.values(sentinels)) expect(rendered).not.toContain(sentinel);
        } finally {
            process.env = saved;
        }
    });

    test.each(SCRIPTS.filter((s) => !s.label.startsWith("variant")).map((s) => [s.label, s]))("%s reads exactly the secrets its step declares", (_label, script) => {
        const read = SECRET_NAMES.filter((name) => new RegExp(`\\$\\{?${name}\\b|"${name}"|\\b${name}\\b(?=[ )])`).test(script.text));
        const declared = script.secretEnv.filter((name) => script.text.includes(name));
        expect(read.sort()).toEqual([...declared].sort());
        if (!/\(delete\)$/.test(script.label)) expect(read.sort()).toEqual([...script.secretEnv].sort());
    });

    test("scripts never print a secret variable", () => {
        for (const script of SCRIPTS) {
            for (const name of SECRET_NAMES) {
                const printing = script.text.split("\n").filter((line) => /\b(echo|warn|fail|changed|output)\b/.test(line) && new RegExp(`\\$\\{?${name}\\b`).test(line));
                expect({ script: script.label, name, printing }).toEqual({ script: script.label, name, printing: [] });
            }
        }
    });
});

describe("guards", () => {
    const text = (label: string) => SCRIPTS.find((s) => s.label === label)!.text;

    test("cloudstack-setup-databases gets --deploy-as only after cloud.version was found unreadable and the cloud database empty", () => {
        const setup = text("seed example: management/setup-databases");
        const checkSchema = setup.indexOf("as_cloud 'SELECT COUNT(*) FROM cloud.version'");
        const checkEmpty = setup.indexOf('[ "$tables" = 0 ] ||');
        const deployCalls = [...setup.matchAll(/^\s*run_setup_databases yes$/gm)];
        expect(checkSchema).toBeGreaterThan(0);
        expect(checkEmpty).toBeGreaterThan(checkSchema);
        expect(deployCalls).toHaveLength(1);
        expect(deployCalls[0].index).toBeGreaterThan(checkEmpty);
    });

    test("the data disk is formatted only when empty or forced, and delete keeps data unless destroyData", () => {
        expect(text("seed example: nfs/nfs-disk")).toContain("FORCE_FORMAT=false");
        expect(text("seed example: nfs/nfs-disk")).toContain("refusing to format");
        expect(text("seed example: nfs/nfs-disk (delete)")).toContain("DESTROY_DATA=false");
        expect(text("seed example: nfs/nfs-server (delete)")).toContain("DESTROY_DATA=false");
        expect(text("variant: nfs/nfs-server (delete)")).toContain("DESTROY_DATA=true");
        expect(text("seed example: database/database-server (delete)")).toContain("DESTROY_DATA=false");
    });

    test("exports name each allowed client on its own line, never *", () => {
        const server = text("seed example: nfs/nfs-server");
        expect(server).toContain("\n/export 10.15.0.0/24(rw,async,no_root_squash,no_subtree_check)\n/export 10.10.0.0/24(rw,async,no_root_squash,no_subtree_check)\n");
        expect(server).not.toMatch(/\*\(rw/);
    });
});

/** The program's TypeScript files and the templates that may use a template or partial (not tests, not dependencies). */
function programSources(dir: string): string[] {
    return fs.readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
        const full = path.join(dir, entry.name);
        if (entry.isDirectory()) return entry.name.startsWith(".") || ["node_modules", "tests"].includes(entry.name) ? [] : programSources(full);
        return /\.(ts|mustache)$/.test(entry.name) ? [full] : [];
    });
}

describe("templates", () => {
    const LEAD_TEMPLATES = /^(netplan\.yaml|network-.*)\.mustache$/;

    test("every template and partial is used", () => {
        const sources = [...programSources(path.join(__dirname, "..", "..")), ...fs.readdirSync(TEMPLATE_DIR).filter((f) => f.endsWith(".mustache")).map((f) => path.join(TEMPLATE_DIR, f))]
            .map((file) => fs.readFileSync(file, "utf8"))
            .join("\n");
        const unused = [
            ...fs.readdirSync(TEMPLATE_DIR).filter((f) => f.endsWith(".mustache") && !LEAD_TEMPLATES.test(f)).map((f) => f.replace(/(\.sh)?\.mustache$/, "")).filter((name) => !sources.includes(`"${name}"`) && !sources.includes(`"${name}.sh"`)),
            ...fs.readdirSync(path.join(TEMPLATE_DIR, "partials")).map((f) => f.replace(/\.mustache$/, "")).filter((name) => !sources.includes(`{{> ${name}}}`)),
        ];
        expect(unused).toEqual([]);
    });
});
