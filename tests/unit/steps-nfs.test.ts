/** nfsSteps: data disk, server, exports and ports from the NFS settings. */
import { nfsSteps } from "../../components/steps";
import { seedSettings } from "./steps-fixture";

describe("nfsSteps", () => {
    const { nfs, packages, zone } = seedSettings();

    test("a data disk adds the disk step before the server", () => {
        expect(nfsSteps(nfs, packages, false, zone).map((s) => s.name)).toEqual(["nfs-disk", "nfs-server"]);
        expect(nfsSteps({ ...nfs, dataDisk: undefined }, packages, false, zone).map((s) => s.name)).toEqual(["nfs-server"]);
    });

    test("the disk step knows the disk, the export root and whether it may format a used disk", () => {
        const [disk] = nfsSteps({ ...nfs, forceFormat: true }, packages, true, zone);
        expect(disk.script).toContain("DISK='/dev/sdb'\nEXPORT_ROOT='/export'\nFORCE_FORMAT=true\n");
        expect(disk.deleteScript).toContain("DESTROY_DATA=true");
    });

    test("fixed ports go into an nfs.conf drop-in, rquotad's into its own option", () => {
        const server = nfsSteps(nfs, packages, false, zone)[1].script;
        expect(server).toContain("[mountd]\nport=892\n\n[statd]\nport=662\noutgoing-port=2020\n\n[lockd]\nport=32803\nudp-port=32803");
        expect(server).toContain("RQUOTAD_PORT=875");
        expect(server).toContain("apt_install nfs-kernel-server");
    });

    test("verifyServing picks showmount or exportfs only", () => {
        expect(nfsSteps(nfs, packages, false, zone)[1].script).toContain("VERIFY_SERVING=true");
        expect(nfsSteps({ ...nfs, verifyServing: false }, packages, false, zone)[1].script).toContain("VERIFY_SERVING=false");
    });

    test("bad values are refused before anything is rendered", () => {
        expect(() => nfsSteps({ ...nfs, allowedCidrs: ["*"] }, packages, false, zone)).toThrow('nfs.allowedCidrs[0]: "*" is not allowed here; expected a client address like 10.15.0.116 or a network in CIDR form like 10.15.0.0/24 (never "*")');
        expect(() => nfsSteps({ ...nfs, allowedCidrs: [] }, packages, false, zone)).toThrow(/nfs\.allowedCidrs: the list is empty/);
        expect(() => nfsSteps({ ...nfs, dataDisk: "/dev/sdb; rm -rf /" }, packages, false, zone)).toThrow(/nfs\.dataDisk: .* expected a block device path under \/dev/);
        expect(() => nfsSteps({ ...nfs, ports: { ...nfs.ports, mountd: 70000 } }, packages, false, zone)).toThrow("nfs.ports.mountd: 70000 is not allowed here; expected a whole number from 1 to 65535");
    });

    // Issue 9, defect 10: each allowed client gets its own export line with the
    // storage options; nobody else (no "*", no network the config did not name).
    test("the export root goes to each allowed client on its own line, addresses or networks", () => {
        const server = nfsSteps({ ...nfs, allowedCidrs: ["10.10.0.116", "10.10.0.117", "10.15.0.0/24"] }, packages, false, zone)[1].script;
        const exports = server.slice(server.indexOf("# Managed by cloudstack-infra: the export root"), server.indexOf("CLOUDSTACK_INFRA_EOF", server.indexOf("# Managed by cloudstack-infra: the export root")));
        expect(exports.split("\n").filter((l) => l !== "" && !l.startsWith("#"))).toEqual([
            "/export 10.10.0.116(rw,async,no_root_squash,no_subtree_check)",
            "/export 10.10.0.117(rw,async,no_root_squash,no_subtree_check)",
            "/export 10.15.0.0/24(rw,async,no_root_squash,no_subtree_check)",
        ]);
    });

    // Issue 9, defect 6: the prod example's pools at /export/primary/cluster-a and
    // /cluster-b were never created, so the host's mount and createStoragePool failed.
    test("every storage path the zone uses on this server is created, and wiped on delete only with destroyData", () => {
        const prodZone = {
            primaryStorages: [
                { name: "pool-a", scope: "cluster" as const, cluster: "a", pod: "rack-a", server: nfs.server, path: "/export/primary/cluster-a" },
                { name: "pool-b", scope: "cluster" as const, cluster: "b", pod: "rack-b", server: nfs.server, path: "/export/primary/cluster-b/" },
                { name: "elsewhere", scope: "zone" as const, server: "10.10.0.200", path: "/srv/other" },
            ],
            secondaryStorages: [{ name: "images", server: nfs.server, path: "/export/secondary", provider: "NFS" as const }],
        };
        const [server] = nfsSteps({ ...nfs, dataDisk: undefined }, packages, true, prodZone);
        const dirs = "for dir in '/export/primary' '/export/secondary' '/export/primary/cluster-a' '/export/primary/cluster-b' ; do";
        expect(server.script).toContain(dirs);
        expect(server.deleteScript).toContain(dirs);
        expect(server.deleteScript).toContain("DESTROY_DATA=true");
    });

    test("a storage path of this server outside the export root is refused, naming its key", () => {
        const outside = { primaryStorages: [{ name: "pool-a", scope: "zone" as const, server: nfs.server, path: "/srv/pool-a" }], secondaryStorages: [] };
        expect(() => nfsSteps(nfs, packages, false, outside)).toThrow('zone.primaryStorages[pool-a].path: "/srv/pool-a" is not allowed here; expected a directory below nfs.exportRoot (/export), the only path the NFS node exports');
    });
});
