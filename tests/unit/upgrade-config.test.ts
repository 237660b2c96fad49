/**
 * Which cloudstackVersion a stack may ask for (the release table) and what an
 * update may do to a running cloud (the upgrade plan): every refusal names
 * the key, the value and what is allowed.
 */
import { RELEASE_LINES } from "../../config/cloudstackReleases";
import { planUpgrade } from "../../config/upgradePlan";
import { deployedFromOutputs } from "../../components/deployedState";
import { check, clone, readStackFile } from "../support/stackConfig";

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type AnyRaw = any;
const dev = readStackFile("dev");

function problemsWith(change: (raw: AnyRaw) => void): string[] {
    const raw = clone(dev) as AnyRaw;
    change(raw);
    return check(raw).problems;
}

const java17 = (raw: AnyRaw) => {
    raw.packages = { ...(raw.packages ?? {}), javaPackage: "openjdk-17-jre-headless", javaBinary: "/usr/lib/jvm/java-17-openjdk-amd64/bin/java" };
};

describe("cloudstackVersion: the releases the program knows", () => {
    test.each(["4.19.0.0", "4.19.2.0", "4.19.3.0"])("%s deploys with the dev stack's Java 11", (version) => {
        expect(problemsWith((raw) => (raw.cloudstackVersion = version))).toEqual([]);
    });

    test("4.20.1.0 with Java 17 is accepted, and its SystemVM template is the 4.20 one by default", () => {
        const raw = clone(dev) as AnyRaw;
        raw.cloudstackVersion = "4.20.1.0";
        java17(raw);
        const { settings, problems } = check(raw);
        expect(problems).toEqual([]);
        expect(settings.packages.systemVmTemplateUrl).toBe("http://download.cloudstack.org/systemvm/4.20/systemvmtemplate-4.20.1-x86_64-kvm.qcow2.bz2");
    });

    test("4.20.1.0 on the dev stack's Java 11 is refused, naming both Java keys and what 4.20 needs", () => {
        const problems = problemsWith((raw) => (raw.cloudstackVersion = "4.20.1.0"));
        expect(problems).toHaveLength(2);
        expect(problems[0]).toMatch(/^cloudstack:packages\.javaPackage: "openjdk-11-jre-headless" is invalid: CloudStack 4\.20\.1\.0 needs Java 17 .*_java_version\.rst@4\.20\.1\.0.*openjdk-17-jre-headless/);
        expect(problems[1]).toMatch(/^cloudstack:packages\.javaBinary: ".*java-11.*" is invalid: CloudStack 4\.20\.1\.0 needs Java 17/);
    });

    test("a release the table does not know is refused with the known ones", () => {
        const problems = problemsWith((raw) => (raw.cloudstackVersion = "4.21.0.0"));
        expect(problems).toEqual([
            'cloudstack:cloudstackVersion: "4.21.0.0" is invalid: is not a release this program knows how to deploy or upgrade to; allowed: 4.19.0.0 … 4.19.3.0 (Java 11), 4.20.0.0 … 4.20.3.0 (Java 17)',
        ]);
        expect(problemsWith((raw) => (raw.cloudstackVersion = "4.19.9.0"))[0]).toMatch(/^cloudstack:cloudstackVersion: "4\.19\.9\.0" is invalid: is not a release/);
        expect(problemsWith((raw) => (raw.cloudstackVersion = "4.19"))).toEqual(['cloudstack:cloudstackVersion: "4.19" is invalid: expected a four-part version such as 4.19.3.0']);
    });

    test("a SystemVM template of another line is refused", () => {
        const problems = problemsWith((raw) => {
            raw.cloudstackVersion = "4.20.1.0";
            java17(raw);
            raw.packages.systemVmTemplateUrl = "http://download.cloudstack.org/systemvm/4.19/systemvmtemplate-4.19.1-kvm.qcow2.bz2";
        });
        expect(problems).toHaveLength(1);
        expect(problems[0]).toMatch(/^cloudstack:packages\.systemVmTemplateUrl: ".*4\.19\.1-kvm.*" is invalid: is a 4\.19 SystemVM template; CloudStack 4\.20\.1\.0 needs systemvm-kvm-4\.20\.1-x86_64/);
    });

    test("the upgrade section: ignoreVerify, a template URL, unknown keys refused", () => {
        const raw = clone(dev) as AnyRaw;
        raw.upgrade = { ignoreVerify: true, systemVmTemplateUrl: "http://10.15.0.1/systemvm.qcow2.bz2" };
        expect(check(raw).settings.upgrade).toEqual({ ignoreVerify: true, systemVmTemplateUrl: "http://10.15.0.1/systemvm.qcow2.bz2", waitSeconds: 900 });
        expect(check(clone(dev)).settings.upgrade).toBeUndefined();
        expect(problemsWith((r) => (r.upgrade = { ignoreVerfy: true }))[0]).toMatch(/^cloudstack:upgrade\.ignoreVerfy/);
        expect(problemsWith((r) => (r.upgrade = { systemVmTemplateUrl: "ftp://x y" }))).toEqual(['cloudstack:upgrade.systemVmTemplateUrl: "ftp://x y" is invalid: expected an http(s) URL']);
    });

    test("every line's upgrade sources are lines of the table", () => {
        const lines = RELEASE_LINES.map((l) => l.line);
        for (const line of RELEASE_LINES) for (const from of line.upgradesFrom) expect(lines).toContain(from);
    });
});

describe("the upgrade plan: the deployed version against cloudstackVersion", () => {
    const deployed = (version?: string, upgrade?: { from: string; to: string }) => ({ deployed: true, version, upgrade });

    test("a fresh stack and an unchanged version plan no upgrade", () => {
        expect(planUpgrade({ deployed: false }, "4.19.3.0")).toEqual({ plan: { kind: "none" }, problems: [] });
        expect(planUpgrade(deployed("4.19.3.0"), "4.19.3.0")).toEqual({ plan: { kind: "none" }, problems: [] });
    });

    test("a newer release of a line the target's guide covers is an upgrade", () => {
        expect(planUpgrade(deployed("4.19.3.0"), "4.20.1.0")).toEqual({ plan: { kind: "upgrade", from: "4.19.3.0", to: "4.20.1.0" }, problems: [] });
        expect(planUpgrade(deployed("4.19.1.0"), "4.19.3.0")).toEqual({ plan: { kind: "upgrade", from: "4.19.1.0", to: "4.19.3.0" }, problems: [] });
    });

    test("after the upgrade finished its steps stay planned, unchanged, until the next one", () => {
        expect(planUpgrade(deployed("4.20.1.0", { from: "4.19.3.0", to: "4.20.1.0" }), "4.20.1.0").plan).toEqual({ kind: "upgrade", from: "4.19.3.0", to: "4.20.1.0" });
        expect(planUpgrade(deployed("4.20.2.0", { from: "4.19.3.0", to: "4.20.1.0" }), "4.20.2.0").plan).toEqual({ kind: "none" });
    });

    test("a downgrade is refused, naming the key, both versions and the way back", () => {
        const { plan, problems } = planUpgrade(deployed("4.20.1.0"), "4.19.3.0");
        expect(plan).toEqual({ kind: "none" });
        expect(problems).toHaveLength(1);
        expect(problems[0]).toMatch(/^cloudstack:cloudstackVersion: "4\.19\.3\.0" is older than the deployed 4\.20\.1\.0: a downgrade is refused/);
        expect(problems[0]).toContain("Database version 4.20.1.0 is higher than management software version 4.19.3.0");
        expect(problems[0]).toContain("npm run restore");
        expect(planUpgrade(deployed("4.19.3.0"), "4.19.2.0").problems[0]).toMatch(/a downgrade is refused/);
    });

    test("a jump the target's guide does not cover is refused", () => {
        const { problems } = planUpgrade(deployed("4.18.2.0"), "4.20.1.0");
        expect(problems).toHaveLength(1);
        expect(problems[0]).toMatch(/^cloudstack:cloudstackVersion: "4\.20\.1\.0" cannot be upgraded to from the deployed 4\.18\.2\.0: the 4\.20 upgrade guide .* covers 4\.19\.x and 4\.20\.x only/);
        // 4.19 accepts only 4.19 patch releases.
        expect(planUpgrade(deployed("4.18.2.0"), "4.19.3.0").problems[0]).toMatch(/covers 4\.19\.x only/);
    });

    test("a stack deployed before the version was recorded keeps 4.19 and is refused another line", () => {
        expect(planUpgrade(deployed(undefined), "4.19.3.0")).toEqual({ plan: { kind: "none" }, problems: [] });
        expect(planUpgrade(deployed(undefined), "4.20.1.0").problems[0]).toMatch(/^cloudstack:cloudstackVersion: "4\.20\.1\.0" cannot be reached from a stack whose outputs do not record the deployed version/);
    });

    test("the deployed state comes from the outputs a finished update wrote", () => {
        expect(deployedFromOutputs({})).toMatchObject({ deployed: false, version: undefined, api: undefined });
        expect(deployedFromOutputs(undefined)).toMatchObject({ deployed: false });
        const state = deployedFromOutputs({
            cloudstackVersion: "4.20.1.0",
            cloudstackUpgrade: { from: "4.19.3.0", to: "4.20.1.0", routersToRestart: [] },
            apiUrl: "http://10.15.0.116:8080/client/api",
            apiKeys: { apiKey: "k", secretKey: "s" },
            zoneId: "z-1",
        });
        expect(state).toEqual({
            deployed: true,
            version: "4.20.1.0",
            upgrade: { from: "4.19.3.0", to: "4.20.1.0" },
            api: { apiUrl: "http://10.15.0.116:8080/client/api", apiKey: "k", secretKey: "s" },
            zoneId: "z-1",
        });
    });
});
