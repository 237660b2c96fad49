/** nfsSteps: data disk, server, exports and ports from the NFS settings. */
import { nfsSteps } from "../../components/steps";
import { seedSettings } from "./steps-fixture";

describe("nfsSteps", () => {
    const { nfs, packages } = seedSettings();

    test("a data disk adds the disk step before the server", () => {
        expect(nfsSteps(nfs, packages, false).map((s) => s.name)).toEqual(["nfs-disk", "nfs-server"]);
        expect(nfsSteps({ ...nfs, dataDisk: undefined }, packages, false).map((s) => s.name)).toEqual(["nfs-server"]);
    });

    test("the disk step knows the disk, the export root and whether it may format a used disk", () => {
        const [disk] = nfsSteps({ ...nfs, forceFormat: true }, packages, true);
        expect(disk.script).toContain("DISK='/dev/sdb'\nEXPORT_ROOT='/export'\nFORCE_FORMAT=true\n");
        expect(disk.deleteScript).toContain("DESTROY_DATA=true");
    });

    test("fixed ports go into an nfs.conf drop-in, rquotad's into its own option", () => {
        const server = nfsSteps(nfs, packages, false)[1].script;
        expect(server).toContain("[mountd]\nport=892\n\n[statd]\nport=662\noutgoing-port=2020\n\n[lockd]\nport=32803\nudp-port=32803");
        expect(server).toContain("RQUOTAD_PORT=875");
        expect(server).toContain("apt_install nfs-kernel-server");
    });

    test("verifyServing picks showmount or exportfs only", () => {
        expect(nfsSteps(nfs, packages, false)[1].script).toContain("VERIFY_SERVING=true");
        expect(nfsSteps({ ...nfs, verifyServing: false }, packages, false)[1].script).toContain("VERIFY_SERVING=false");
    });

    test("bad values are refused before anything is rendered", () => {
        expect(() => nfsSteps({ ...nfs, allowedCidrs: ["*"] }, packages, false)).toThrow('nfs.allowedCidrs[0]: "*" is not allowed here; expected a network in CIDR form like 10.15.0.0/24 (never "*")');
        expect(() => nfsSteps({ ...nfs, allowedCidrs: [] }, packages, false)).toThrow(/nfs\.allowedCidrs: the list is empty/);
        expect(() => nfsSteps({ ...nfs, dataDisk: "/dev/sdb; rm -rf /" }, packages, false)).toThrow(/nfs\.dataDisk: .* expected a block device path under \/dev/);
        expect(() => nfsSteps({ ...nfs, ports: { ...nfs.ports, mountd: 70000 } }, packages, false)).toThrow("nfs.ports.mountd: 70000 is not allowed here; expected a whole number from 1 to 65535");
    });
});
