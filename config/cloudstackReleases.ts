/**
 * The CloudStack releases this program deploys and upgrades between, with the
 * host facts each needs: the one table every version rule reads (config
 * checks, the upgrade plan, the SystemVM template the upgrade makes sure of).
 *
 * Facts from the documentation repository (apache/cloudstack-documentation)
 * at the release's tag, and from the 4.19.3.0 source for what the management
 * server itself enforces.
 */

export interface ReleaseLine {
    /** "4.19": the first two parts of every release of the line. */
    readonly line: string;
    /** The releases of the line (documentation tags), oldest first. */
    readonly releases: readonly string[];
    /** The Java major version the management server and the KVM agent need at least. */
    readonly java: number;
    readonly javaSource: string;
    /** The KVM SystemVM template the line's management server expects, as the upgrade guide names it. */
    readonly systemVmTemplate: { readonly version: string; readonly name: string; readonly url: string; readonly source: string };
    /** The lines whose releases may upgrade to this line (the target's upgrade guide has a page for each). */
    readonly upgradesFrom: readonly string[];
    readonly upgradeSource: string;
}

export const RELEASE_LINES: readonly ReleaseLine[] = [
    {
        line: "4.19",
        releases: ["4.19.0.0", "4.19.0.1", "4.19.0.2", "4.19.1.0", "4.19.1.1", "4.19.1.2", "4.19.1.3", "4.19.2.0", "4.19.3.0"],
        java: 11,
        javaSource: "source/installguide/management-server/_prerequisite.rst@4.19.3.0:106 (Java 11 JRE)",
        systemVmTemplate: {
            version: "4.19.1",
            name: "systemvm-kvm-4.19.1",
            url: "http://download.cloudstack.org/systemvm/4.19/systemvmtemplate-4.19.1-kvm.qcow2.bz2",
            source: "source/_global.rst@4.19.3.0:28,37",
        },
        upgradesFrom: ["4.19"],
        upgradeSource: "source/upgrading/upgrade/upgrade-4.19.rst@4.19.3.0 (patch releases of 4.19)",
    },
    {
        line: "4.20",
        releases: ["4.20.0.0", "4.20.1.0", "4.20.2.0", "4.20.3.0"],
        java: 17,
        javaSource: "source/upgrading/upgrade/_java_version.rst@4.20.1.0 (Java 17 JRE for the management server and the KVM agent)",
        systemVmTemplate: {
            version: "4.20.1",
            name: "systemvm-kvm-4.20.1-x86_64",
            url: "http://download.cloudstack.org/systemvm/4.20/systemvmtemplate-4.20.1-x86_64-kvm.qcow2.bz2",
            source: "source/_global.rst@4.20.1.0:28,30,37",
        },
        upgradesFrom: ["4.19", "4.20"],
        upgradeSource: "source/upgrading/upgrade/upgrade-4.19.rst@4.20.1.0",
    },
];

/** "4.19.3.0" → [4, 19, 3, 0]; undefined unless four numeric parts. */
export function versionParts(version: string): number[] | undefined {
    if (!/^\d+\.\d+\.\d+\.\d+$/.test(version)) return undefined;
    return version.split(".").map(Number);
}

/** Negative when a is older than b (CloudStackVersion.compareTo's order of the four parts). */
export function compareVersions(a: string, b: string): number {
    const pa = versionParts(a) ?? [];
    const pb = versionParts(b) ?? [];
    for (let i = 0; i < 4; i++) {
        const diff = (pa[i] ?? 0) - (pb[i] ?? 0);
        if (diff !== 0) return diff;
    }
    return 0;
}

export function releaseLineOf(version: string): ReleaseLine | undefined {
    return RELEASE_LINES.find((l) => l.releases.includes(version));
}

/** What the program knows, for error texts: "4.19.0.0 … 4.19.3.0 (Java 11), 4.20.0.0 … 4.20.3.0 (Java 17)". */
export function knownReleasesText(): string {
    return RELEASE_LINES.map((l) => `${l.releases[0]} … ${l.releases[l.releases.length - 1]} (Java ${l.java})`).join(", ");
}

/** The Java major version a package name or JVM path names ("openjdk-17-jre-headless", "/usr/lib/jvm/java-17-openjdk-amd64/bin/java"). */
export function javaMajorOf(text: string): number | undefined {
    const match = /(?:openjdk|java|jdk|jre)-(\d+)/.exec(text);
    return match ? Number(match[1]) : undefined;
}
