/** managementSteps / cloudMonkeySteps: the plan up to a running management server. */
import { cloudMonkeySteps, managementSteps } from "../../components/steps";
import { seedSettings } from "./steps-fixture";

describe("managementSteps", () => {
    const { management, packages, nfs } = seedSettings();
    const args = { management, packages, nfs, databaseHost: "10.15.0.116", databasePort: 3306, managementAddress: "10.15.0.116" };

    test("the plan names the schema step, the key step and what needs the database and NFS", () => {
        const plan = managementSteps(args);
        expect(plan.steps.map((s) => s.name)).toEqual(["java", "cloudstack-repo", "management-packages", "database-connection", "setup-databases", "systemvm-template", "management-start"]);
        expect(plan).toMatchObject({ schemaStep: "setup-databases", publicKeyStep: "management-start", needs: { database: "database-connection", nfs: "systemvm-template" } });
    });

    test("without a SystemVM template URL nothing is seeded and nothing waits for the NFS server", () => {
        const plan = managementSteps({ ...args, packages: { ...packages, systemVmTemplateUrl: "" } });
        expect(plan.steps.map((s) => s.name)).not.toContain("systemvm-template");
        expect(plan.needs.nfs).toBeUndefined();
    });

    test("setup-databases gets every secret it needs by name, and the addresses as environment", () => {
        const setup = managementSteps(args).steps[4];
        expect(setup.secretEnv).toEqual(["CLOUD_DB_PASSWORD", "DEPLOY_ADMIN_PASSWORD", "MANAGEMENT_SERVER_KEY", "DATABASE_KEY"]);
        expect(setup.env).toEqual({ DB_HOST: "10.15.0.116", DB_PORT: "3306", MANAGEMENT_ADDRESS: "10.15.0.116" });
    });

    test("Java 11 as the default, the CloudStack repo with its key and a version pin", () => {
        const [java, repo, pkgs] = managementSteps(args).steps;
        expect(java.script).toContain("apt_install openjdk-11-jre-headless");
        expect(java.script).toContain("JAVA_BINARY='/usr/lib/jvm/java-11-openjdk-amd64/bin/java'");
        expect(repo.script).toContain("KEY_URL='https://download.cloudstack.org/release.asc'");
        expect(repo.script).toContain("Package: cloudstack-*\nPin: version 4.19.3.0*\nPin-Priority: 1001");
        expect(pkgs.script).toContain("apt_install cloudstack-management=4.19.3.0 cloudstack-usage=4.19.3.0");
        expect(pkgs.deleteScript).toContain("stop_and_disable cloudstack-usage cloudstack-management");
    });

    test("the SystemVM template step mounts the configured share and seeds the configured URL", () => {
        const systemvm = managementSteps(args).steps[5].script;
        expect(systemvm).toContain("NFS_SERVER='10.10.0.118'\nSECONDARY_PATH='/export/secondary'\nTEMPLATE_URL='http://download.cloudstack.org/systemvm/4.19/systemvmtemplate-4.19.1-kvm.qcow2.bz2'");
        expect(systemvm).toContain('"$TOOL" -m "$MOUNT" -u "$TEMPLATE_URL" -h kvm -F');
    });

    test("the start step waits for the API up to management.startTimeoutSeconds", () => {
        const start = managementSteps(args).steps[6];
        expect(start.script).toContain("API_URL='http://127.0.0.1:8080/client/api'\nSTART_TIMEOUT=900");
        expect(start.timeoutSeconds).toBe(1500);
    });

    test("CloudMonkey: skipped without a URL, else installed with a profile from the secrets", () => {
        expect(cloudMonkeySteps({ ...packages, cloudMonkeyUrl: "" }, "http://x:8080/client/api")).toEqual([]);
        const [cmk] = cloudMonkeySteps(packages, "http://10.15.0.116:8080/client/api");
        expect(cmk.secretEnv).toEqual(["CLOUDSTACK_API_KEY", "CLOUDSTACK_SECRET_KEY"]);
        expect(cmk.env).toEqual({ CLOUDSTACK_API_URL: "http://10.15.0.116:8080/client/api" });
        expect(cmk.script).toContain('install_file "$PROFILE" 0600');
    });

    test("bad values are refused", () => {
        expect(() => managementSteps({ ...args, packages: { ...packages, cloudstackRepo: "https://download.cloudstack.org/ubuntu" } })).toThrow(/packages\.cloudstackRepo: .* expected "URL SUITE COMPONENT/);
        expect(() => managementSteps({ ...args, packages: { ...packages, systemVmTemplateUrl: "http://x/a b" } })).toThrow(/packages\.systemVmTemplateUrl/);
        expect(() => managementSteps({ ...args, management: { ...management, startTimeoutSeconds: 5 } })).toThrow(/management\.startTimeoutSeconds: 5 .* from 30 to 86400/);
    });
});
