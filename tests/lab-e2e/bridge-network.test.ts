/**
 * The bridge step on real lab hosts (systemd, networkd, netplan): NICs found
 * by CIDR, the bridges applied and confirmed over a new connection, a second
 * run that changes nothing, a config that fails its checks rolled back at
 * once, a config that strands the host rolled back by the host's own timer,
 * and destroy putting the original files back.
 */
import { bridgeNetworkProvider, renderBridgeScripts } from "../../providers/remote/BridgeNetwork";
import { LabInventory, labUnavailableReason, TestLab } from "../support/lab";
import { describeUnless } from "../support/gate";

const unavailable = labUnavailableReason();
const describeLab = describeUnless(unavailable);

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Inputs = any;
// update() ignores the old outputs (it re-reads the node), so the tests pass none.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
const NO_OLDS: any = {};

describeLab("bridges on a lab host", () => {
    const lab = new TestLab({ prefix: "labbr", managementPrefix: "10.55.0", publicPrefix: "10.56.0", sshPortBase: 26000 });
    let inventory: LabInventory;
    let inputs: Inputs;

    beforeAll(async () => {
        await lab.down();
        inventory = await lab.up("h1");
        const host = inventory.hosts[0];
        inputs = {
            connection: { host: host.sshHost, port: host.sshPort, user: "root", privateKeyFile: inventory.privateKeyFile, hostKey: host.hostKey },
            node: host.name,
            networks: {
                management: { cidr: inventory.managementCidr, gateway: inventory.managementGateway, bridge: "cloudbr0", routes: [] },
                public: { cidr: inventory.publicCidr, gateway: inventory.publicGateway, bridge: "cloudbr1", mtu: 1550, routes: [] },
                defaultRoute: "public",
                dnsServers: [inventory.managementGateway],
                searchDomains: [],
            },
            expectedManagementAddress: host.managementIp,
            rollbackSeconds: 30,
            scripts: renderBridgeScripts(),
        };
    }, 600_000);

    afterAll(async () => lab.down(), 120_000);

    const addresses = () => lab.ssh("h1", "ip -4 -br addr show; ip route show default; cat /sys/class/net/cloudbr1/mtu 2>/dev/null; ls /etc/netplan");

    test("applies the bridges found by CIDR and confirms them over a new connection", async () => {
        const created = await bridgeNetworkProvider.create(inputs);
        expect(created.outs).toMatchObject({ managementNic: "eth0", publicNic: "eth1", managementAddress: "10.55.0.11", publicAddress: "10.56.0.11" });
        expect(created.outs.changed.join("\n")).toMatch(/moved \/etc\/netplan\/50-cloud-init.yaml aside/);
        const state = await addresses();
        expect(state).toMatch(/cloudbr0\s+UP\s+10\.55\.0\.11\/24/);
        expect(state).toMatch(/cloudbr1\s+UP\s+10\.56\.0\.11\/24/);
        expect(state).toContain("default via 10.56.0.1 dev cloudbr1");
        expect(state).toContain("1550");
        // The dead-man timer was disarmed: nothing will undo the change later.
        expect(await lab.ssh("h1", "systemctl is-active cloudstack-netplan-rollback.timer || true")).toMatch(/inactive/);
    }, 300_000);

    test("a second run finds everything in place and changes nothing", async () => {
        const again = await bridgeNetworkProvider.update("h1/bridges", NO_OLDS, inputs);
        expect(again.outs.changed).toEqual([]);
    }, 120_000);

    test("a change that fails its checks (gateway silent) is rolled back at once", async () => {
        const silentGateway = { ...inputs, networks: { ...inputs.networks, public: { ...inputs.networks.public, gateway: "10.56.0.254", mtu: 1600 } } };
        await expect(bridgeNetworkProvider.update("h1/bridges", NO_OLDS, silentGateway)).rejects.toThrow(/failed its checks and was rolled back:\n\s+- .*gateway 10\.56\.0\.254 does not answer/);
        const state = await addresses();
        expect(state).toContain("default via 10.56.0.1 dev cloudbr1");
        expect(state).toContain("1550");
    }, 300_000);

    test("a change that cuts the host off is undone by the host's own timer", async () => {
        // A template that puts a wrong address on the management bridge: the controller loses the host.
        const stranding = { ...inputs, scripts: { ...inputs.scripts, netplanTemplate: inputs.scripts.netplanTemplate.replace("- {{address}}", "- 10.55.0.99/24") } };
        await expect(bridgeNetworkProvider.update("h1/bridges", NO_OLDS, stranding)).rejects.toThrow(/could not reconnect .*rolled the change back by itself and is reachable again/s);
        // The host's own timer unit ran the rollback (the controller could not reach it to do so).
        expect(await lab.ssh("h1", "journalctl -q --no-pager -o cat -u cloudstack-netplan-rollback.service")).toMatch(/^(Started|Finished) .*cloudstack-netplan-rollback/m);
        expect(await addresses()).toMatch(/cloudbr0\s+UP\s+10\.55\.0\.11\/24/);
    }, 600_000);

    test("destroy puts the original network files back", async () => {
        const current = await bridgeNetworkProvider.update("h1/bridges", NO_OLDS, inputs);
        await bridgeNetworkProvider.delete("h1/bridges", current.outs);
        const state = await addresses();
        expect(state).toMatch(/eth0\S*\s+UP\s+10\.55\.0\.11\/24/);
        expect(state).not.toContain("cloudbr");
        expect(state).toContain("50-cloud-init.yaml");
    }, 300_000);
});
