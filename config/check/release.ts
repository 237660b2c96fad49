/**
 * cloudstackVersion: a release the program knows (config/cloudstackReleases.ts),
 * with the Java and SystemVM template that release needs. What the running
 * cloud allows as an upgrade (downgrades, jumps) is checked against the
 * deployed version in config/upgradePlan.ts.
 */
import { javaMajorOf, knownReleasesText, releaseLineOf, versionParts } from "../cloudstackReleases";
import { ConfigProblems } from "../problems";
import { PackageSettings } from "../settings";
import { K } from "./values";

export function checkCloudstackRelease(packages: PackageSettings, problems: ConfigProblems): void {
    const version = packages.cloudstackVersion;
    if (versionParts(version) === undefined) {
        problems.add(K("cloudstackVersion"), version, "expected a four-part version such as 4.19.3.0");
        return;
    }
    const line = releaseLineOf(version);
    if (line === undefined) {
        problems.add(K("cloudstackVersion"), version, `is not a release this program knows how to deploy or upgrade to; allowed: ${knownReleasesText()}`);
        return;
    }
    // The line's Java must be the default java on the management server and the KVM hosts (the java step sets it).
    for (const [key, value] of [
        ["packages.javaPackage", packages.javaPackage],
        ["packages.javaBinary", packages.javaBinary],
    ] as const) {
        const major = javaMajorOf(value);
        if (major !== undefined && major < line.java) {
            problems.add(
                K(key),
                value,
                `CloudStack ${version} needs Java ${line.java} (${line.javaSource}); set packages.javaPackage to openjdk-${line.java}-jre-headless and packages.javaBinary to /usr/lib/jvm/java-${line.java}-openjdk-amd64/bin/java`,
            );
        }
    }
    // A seeded template of another line would leave the system VMs on a template the management server rejects.
    const url = packages.systemVmTemplateUrl;
    const other = url === "" ? undefined : /systemvmtemplate-(\d+\.\d+)[.-]/.exec(url)?.[1];
    if (other !== undefined && other !== line.line) {
        problems.add(K("packages.systemVmTemplateUrl"), url, `is a ${other} SystemVM template; CloudStack ${version} needs ${line.systemVmTemplate.name} (${line.systemVmTemplate.url}, ${line.systemVmTemplate.source}); leave the key out for that default`);
    }
}
