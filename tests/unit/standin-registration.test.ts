/**
 * Host registration as 4.19.3.0 does it, against the stand-in: addHost's
 * parameter checks (ResourceManagerImpl), the agent security setup with the
 * lab package's keystore scripts and the stand-in CA, cloudstack-setup-agent
 * -a -s, and addHost answering only once the package's stand-in agent has
 * connected back (LibvirtServerDiscoverer.waitForHostConnect); the agent then
 * keeps `host=<servers>@static` as the real one does.
 */
import { ChildProcess, execFileSync, spawn } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { CloudStackClient } from "../../providers/cloudstack/client";
import { CloudStackError } from "../../providers/cloudstack/errors";
import { AgentConnector, AgentSetup, startStandIn, StandIn, sshConnector } from "../standin";
import { AgentPort } from "../standin/agent-port";
import { StandInCa } from "../standin/ca";
import { nameUuidFromBytes } from "../standin/commands/hosts";
import { optionsFromArgs } from "../standin/main";
import { adminClient } from "../standin/testKit";
import { waitUntil } from "../support/waitUntil";
import { sshdAvailable, startLocalSshd } from "../support/localSshd";
import { describeUnless } from "../support/gate";

const PACKAGES = path.join(__dirname, "..", "lab", "standin-packages");
const AGENT = path.join(PACKAGES, "cloudstack-agent/usr/share/cloudstack-agent/agent-standin.py");
const SETUP_AGENT = path.join(PACKAGES, "cloudstack-agent/usr/bin/cloudstack-setup-agent");
const UTIL = path.join(PACKAGES, "cloudstack-common/usr/share/cloudstack-common/scripts/util");

const failure = (promise: Promise<unknown>) => promise.then(() => undefined, (e) => e as CloudStackError);



async function zonePodCluster(api: CloudStackClient) {
    const zone = ((await api.request("createZone", { name: "REG", dns1: "8.8.8.8", internaldns1: "8.8.8.8", networktype: "Advanced" })).zone as { id: string }).id;
    const pod = ((await api.request("createPod", { zoneid: zone, name: "P", gateway: "10.15.0.1", netmask: "255.255.255.0", startip: "10.15.0.160", endip: "10.15.0.170" })).pod as { id: string }).id;
    const cluster = (await api.list<{ id: string }>("addCluster", { zoneid: zone, podid: pod, clustername: "C", hypervisor: "KVM", clustertype: "CloudManaged" }))[0].id;
    return { zone, pod, cluster };
}

function tempDir(prefix: string): string {
    return fs.mkdtempSync(path.join(os.tmpdir(), prefix));
}

function readProperties(file: string): Record<string, string> {
    return Object.fromEntries(
        fs.readFileSync(file, "utf8").split("\n").filter((l) => l.includes("=")).map((l) => [l.slice(0, l.indexOf("=")), l.slice(l.indexOf("=") + 1)]),
    );
}

function startAgent(properties: string): ChildProcess {
    return spawn("python3", [AGENT], { env: { ...process.env, AGENT_PROPERTIES: properties, AGENT_RETRY_SECONDS: "0.2" }, stdio: "ignore" });
}

async function stopAgent(child: ChildProcess): Promise<void> {
    if (child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise((resolve) => child.once("exit", resolve));
    child.kill("SIGTERM");
    await exited;
}

describe("addHost parameters as ResourceManagerImpl checks them", () => {
    let standIn: StandIn;
    afterEach(() => standIn?.close());

    test("cluster by id and name, username, url form, hypervisor, a known host", async () => {
        standIn = await startStandIn({ jobLatencyMs: 10, hostConnectMs: 20 });
        const api = adminClient(standIn);
        const ids = await zonePodCluster(api);
        const base = { zoneid: ids.zone, podid: ids.pod, clusterid: ids.cluster, url: "http://10.15.0.117", hypervisor: "KVM", username: "root", password: "" };

        const both = await failure(api.request("addHost", { ...base, clustername: "C" }));
        expect([both?.code, both?.errortext]).toEqual([431, "Can't specify cluster by both id and name"]);
        const { username: _unused, ...noUser } = base;
        const user = await failure(api.request("addHost", noUser));
        expect([user?.code, user?.errortext]).toEqual([431, "Username need to be provided."]);
        const scheme = await failure(api.request("addHost", { ...base, url: "10.15.0.117" }));
        expect([scheme?.code, scheme?.errortext]).toEqual([431, "uri.scheme is null 10.15.0.117, add nfs:// (or cifs://) as a prefix"]);
        const nfs = await failure(api.request("addHost", { ...base, url: "nfs://10.15.0.117/x" }));
        expect([nfs?.code, nfs?.errortext]).toEqual([530, "Unable to add the host: Cannot find the server resources at nfs://10.15.0.117/x"]);
        const foo = await failure(api.request("addHost", { ...base, hypervisor: "Foo", password: "secret" }));
        expect([foo?.code, foo?.errortext]).toEqual([530, "Do not support HypervisorType Foo for http://10.15.0.117"]);

        const host = (await api.list<{ id: string }>("addHost", base))[0];
        const guid = nameUuidFromBytes("10.15.0.117");
        expect(standIn.data.hosts.find((h) => h.id === host.id)?.guid).toBe(`${guid}-LibvirtComputingResource`);
        const again = await failure(api.request("addHost", base));
        const skip = `Skipping host 10.15.0.117 because ${guid} is already in the database for resource ${guid}-LibvirtComputingResource with ID ${host.id}`;
        expect(again?.errortext).toBe(
            `Could not add host at [http://10.15.0.117] with zone [${standIn.data.zones[0].dbId}], pod [${standIn.data.pods[0].dbId}] and cluster [${standIn.data.clusters[0].dbId}] ` +
                `due to: [ can't setup agent, due to com.cloud.utils.exception.CloudRuntimeException: ${skip} - ${skip}].`,
        );
    });

    test("labels for cloudstack-setup-agent: a missing one falls back to public, then private (LibvirtServerDiscoverer:310-320)", async () => {
        const seen: AgentSetup[] = [];
        standIn = await startStandIn({ jobLatencyMs: 10, hostConnectMs: 20, connector: { setup: async (request) => void seen.push(request) } });
        const api = adminClient(standIn);
        const ids = await zonePodCluster(api);
        const network = ((await api.job("createPhysicalNetwork", { zoneid: ids.zone, name: "PN" })).physicalnetwork as { id: string }).id;
        await api.job("addTrafficType", { physicalnetworkid: network, traffictype: "Management", kvmnetworklabel: "cloudbr0" });
        await api.job("addTrafficType", { physicalnetworkid: network, traffictype: "Public", kvmnetworklabel: "cloudbr1" });
        await api.request("addHost", { zoneid: ids.zone, podid: ids.pod, clusterid: ids.cluster, url: "http://10.15.0.117", hypervisor: "KVM", username: "root", password: "" });
        expect(seen.map((r) => [r.managementLabel, r.publicLabel, r.guestLabel])).toEqual([["cloudbr0", "cloudbr1", "cloudbr1"]]);
    });

    test("the guid is java.util.UUID.nameUUIDFromBytes of the address", () => {
        // Java: UUID.nameUUIDFromBytes("10.15.0.117".getBytes()) — MD5, version 3, IETF variant.
        const expected = execFileSync("python3", ["-c", "import hashlib,uuid;print(uuid.UUID(bytes=hashlib.md5(b'10.15.0.117').digest(),version=3))"], { encoding: "utf8" }).trim();
        expect(nameUuidFromBytes("10.15.0.117")).toBe(expected);
    });
});

describe("addHost waits for the agent to connect back", () => {
    let standIn: StandIn | undefined;
    let port: AgentPort | undefined;
    const agents: ChildProcess[] = [];
    let dir: string;
    beforeEach(() => (dir = tempDir("standin-agent-")));
    afterEach(async () => {
        for (const agent of agents.splice(0)) await stopAgent(agent);
        await port?.close();
        await standIn?.close();
        fs.rmSync(dir, { recursive: true, force: true });
    });

    /** Does on this machine what cloudstack-setup-agent and systemd do on a host: agent.properties, then the agent. */
    async function start(startsAgent: boolean, timeoutMs: number) {
        port = new AgentPort(timeoutMs);
        const properties = path.join(dir, "agent.properties");
        const connector: AgentConnector = {
            agents: port,
            async setup(request: AgentSetup) {
                if (!startsAgent) return;
                fs.writeFileSync(properties, `host=${request.managementServers}\nport=${agentPort}\nguid=${request.guid}\n`);
                agents.push(startAgent(properties));
            },
        };
        standIn = await startStandIn({ jobLatencyMs: 10, connector });
        port.attach(standIn.data, () => undefined);
        const agentPort = await port.listen(0);
        const api = adminClient(standIn);
        await api.request("updateConfiguration", { name: "host", value: "127.0.0.1" });
        return { api, ids: await zonePodCluster(api), properties, standIn, agentPort };
    }

    test("no agent: addHost fails as waitForHostConnect does, and no host exists", async () => {
        const { api, ids, standIn } = await start(false, 300);
        const params = { zoneid: ids.zone, podid: ids.pod, clusterid: ids.cluster, url: "http://127.0.0.1", hypervisor: "KVM", username: "root", password: "" };
        const failed = await failure(api.request("addHost", params));
        expect([failed?.code, failed?.errortext]).toEqual([530, "Unable to add the host: Cannot find the server resources at http://127.0.0.1"]);
        expect(standIn.data.hosts.filter((h) => h.type === "Routing")).toEqual([]);
    });

    test("the agent connects: the host is Up when addHost answers, host= becomes <servers>@static, a dropped agent is Disconnected and Up again", async () => {
        const { api, ids, properties } = await start(true, 15000);
        const params = { zoneid: ids.zone, podid: ids.pod, clusterid: ids.cluster, url: "http://127.0.0.1", hypervisor: "KVM", username: "root", password: "" };
        const host = (await api.list<{ id: string; state: string }>("addHost", params))[0];
        expect(host.state).toBe("Up");
        expect((await api.list<{ state: string }>("listHosts", { id: host.id }))[0].state).toBe("Up");
        await waitUntil(() => readProperties(properties).host === "127.0.0.1@static", "host=127.0.0.1@static in agent.properties");

        await stopAgent(agents[0]);
        await waitUntil(async () => (await api.list<{ state: string }>("listHosts", { id: host.id }))[0].state === "Disconnected", "host Disconnected");
        // The agent now reads host=127.0.0.1@static and connects to the part before "@".
        agents.push(startAgent(properties));
        await waitUntil(async () => (await api.list<{ state: string }>("listHosts", { id: host.id }))[0].state === "Up", "host Up again");
        expect(readProperties(properties).host).toBe("127.0.0.1@static");
    });

    test("deleteHost shuts the agent down; restarted, it registers again unless add.host.on.service.restart.kvm is false", async () => {
        const { api, ids, properties, standIn } = await start(true, 15000);
        const params = { zoneid: ids.zone, podid: ids.pod, clusterid: ids.cluster, url: "http://127.0.0.1", hypervisor: "KVM", username: "root", password: "" };
        const routing = () => standIn.data.hosts.filter((h) => h.type === "Routing" && !h.removed);
        const first = (await api.list<{ id: string }>("addHost", params))[0];
        await api.request("deleteHost", { id: first.id, forced: "true" });
        expect(routing()).toEqual([]);
        // The agent stays idle after the ShutdownCommand: nothing registers while it runs.
        expect(port?.turnedAway).toEqual([]);
        await stopAgent(agents[0]);
        agents.push(startAgent(properties));
        await waitUntil(() => routing().length === 1 && routing()[0].state === "Up", "the restarted agent's host Up");
        expect(routing()[0]).toMatchObject({ clusterId: standIn.data.clusters[0].id, ipaddress: "127.0.0.1" });
        expect(routing()[0].id).not.toBe(first.id);

        standIn.data.configurations["add.host.on.service.restart.kvm"] = "false";
        await api.request("deleteHost", { id: routing()[0].id, forced: "true" });
        const cleared = () => ["zone", "pod", "cluster"].every((key) => readProperties(properties)[key] === "");
        await waitUntil(cleared, "zone, pod and cluster cleared from agent.properties");
        await stopAgent(agents[1]);
        agents.push(startAgent(properties));
        await waitUntil(() => (port?.turnedAway.length ?? 0) > 0, "the agent turned away");
        expect(routing()).toEqual([]);
    });

    test("after a server restart its hosts are Disconnected until their agents connect again", async () => {
        const stateFile = path.join(dir, "state.json");
        const first = new AgentPort(15000);
        const properties = path.join(dir, "agent.properties");
        let agentPort = 0;
        const connector = (agentsPort: AgentPort): AgentConnector => ({
            agents: agentsPort,
            async setup(request: AgentSetup) {
                fs.writeFileSync(properties, `host=${request.managementServers}\nport=${agentPort}\nguid=${request.guid}\n`);
                agents.push(startAgent(properties));
            },
        });
        let server = await startStandIn({ jobLatencyMs: 10, stateFile, connector: connector(first) });
        first.attach(server.data, () => undefined);
        agentPort = await first.listen(0);
        const api = adminClient(server);
        await api.request("updateConfiguration", { name: "host", value: "127.0.0.1" });
        const ids = await zonePodCluster(api);
        await api.request("addHost", { zoneid: ids.zone, podid: ids.pod, clusterid: ids.cluster, url: "http://127.0.0.1", hypervisor: "KVM", username: "root", password: "" });
        await first.close();
        await server.close();

        port = new AgentPort(15000);
        server = await startStandIn({ jobLatencyMs: 10, stateFile, connector: connector(port) });
        standIn = server;
        port.attach(server.data, () => undefined);
        const routing = () => server.data.hosts.find((h) => h.type === "Routing" && !h.removed);
        expect(routing()?.state).toBe("Disconnected");
        await port.listen(agentPort);
        await waitUntil(() => routing()?.state === "Up", "the host Up once its agent is back");
    });

    test("an agent whose guid the server does not know is turned away", async () => {
        const { agentPort } = await start(false, 300);
        const properties = path.join(dir, "stranger.properties");
        const stranger = "00000000-0000-3000-8000-000000000000";
        fs.writeFileSync(properties, `host=127.0.0.1\nport=${agentPort}\nguid=${stranger}\n`);
        agents.push(startAgent(properties));
        await waitUntil(() => port?.turnedAway.includes(stranger) === true, "the stranger turned away");
        expect(port?.isConnected(stranger)).toBe(false);
        expect(readProperties(properties).host).toBe("127.0.0.1");
    });
});

describe("the stand-in service's options", () => {
    test("ssh setup needs the agent port (addHost waits for the agent) and keeps its CA beside the state file", () => {
        const dir = tempDir("standin-main-");
        try {
            const base = ["--listen", "127.0.0.1:0", "--agent-setup", "ssh", "--ssh-key", "/nonexistent/id_rsa"];
            expect(() => optionsFromArgs([...base, "--state-file", path.join(dir, "state.json")])).toThrow(/--agent-setup ssh needs --agent-listen HOST:PORT/);
            expect(() => optionsFromArgs([...base, "--agent-listen", "127.0.0.1:0"])).toThrow(/--ca-dir DIR or --state-file PATH/);
            const options = optionsFromArgs([...base, "--agent-listen", "127.0.0.1:0", "--state-file", path.join(dir, "state.json")]);
            expect(options.standIn.connector?.agents).toBe(options.agents?.port);
            expect(options.agents?.port.connectTimeoutMs).toBe(5 * 60 * 1000);
            expect(fs.statSync(path.join(dir, "ca", "ca.key")).mode & 0o777).toBe(0o600);
            expect(execFileSync("openssl", ["x509", "-in", path.join(dir, "ca", "ca.crt"), "-noout", "-subject"], { encoding: "utf8" })).toMatch(/CN ?= ?ca\.cloudstack\.apache\.org/);
        } finally {
            fs.rmSync(dir, { recursive: true, force: true });
        }
    });
});

describe("lab keystore scripts and setup-agent in a throw-away root", () => {
    test("keystore-setup's CSR signed by the stand-in CA lands where libvirt reads it; libvirtd.conf goes to TLS", () => {
        const root = tempDir("standin-root-");
        try {
            const conf = path.join(root, "etc/cloudstack/agent");
            fs.mkdirSync(conf, { recursive: true });
            fs.mkdirSync(path.join(root, "etc/libvirt"), { recursive: true });
            fs.writeFileSync(path.join(root, "etc/libvirt/libvirtd.conf"), '#listen_tls = 0\nlisten_tcp = 1\nauth_tcp = "sasl"\n');
            fs.writeFileSync(path.join(root, "etc/libvirt/qemu.conf"), '#user = "libvirt-qemu"\n');
            fs.writeFileSync(path.join(conf, "agent.properties"), "workers=5\n");
            const env = { ...process.env, CLOUDSTACK_STANDIN_ROOT: root, CLOUDSTACK_SETUP_AGENT: SETUP_AGENT };
            const csr = execFileSync(path.join(UTIL, "keystore-setup"), [`${conf}/agent.properties`, `${conf}/cloud.jks`, "Pass0123456789ab", "365", `${conf}/cloud.csr`], { env, encoding: "utf8" });
            expect(csr).toMatch(/-----BEGIN CERTIFICATE REQUEST-----/);
            expect(readProperties(`${conf}/agent.properties`)["keystore.passphrase"]).toBe("Pass0123456789ab");

            const ca = new StandInCa(path.join(root, "ca"));
            const cert = ca.sign(csr, ["kvm1.lab", "10.15.0.117"], ["10.15.0.117"], 365);
            const encode = (pem: string) => pem.replace(/\n/g, "^").replace(/ /g, "~");
            execFileSync(
                path.join(UTIL, "keystore-cert-import"),
                [`${conf}/agent.properties`, "ignored", `${conf}/cloud.jks`, "ssh", `${conf}/cloud.crt`, encode(cert), `${conf}/cloud.ca.crt`, encode(ca.caCertificate()), `${conf}/cloud.key`, ""],
                { env },
            );
            const pki = (p: string) => path.join(root, p);
            expect(execFileSync("openssl", ["verify", "-CAfile", pki("etc/pki/CA/cacert.pem"), pki("etc/pki/libvirt/servercert.pem")], { encoding: "utf8" })).toMatch(/: OK/);
            const text = execFileSync("openssl", ["x509", "-in", pki("etc/pki/libvirt/servercert.pem"), "-noout", "-text"], { encoding: "utf8" });
            expect(text).toMatch(/IP Address:10\.15\.0\.117/);
            expect(text).toMatch(/DNS:kvm1\.lab/);
            const publicKey = (args: string[]) => execFileSync("openssl", args, { encoding: "utf8" });
            expect(publicKey(["pkey", "-in", pki("etc/pki/libvirt/private/serverkey.pem"), "-pubout"])).toBe(publicKey(["x509", "-in", pki("etc/pki/libvirt/servercert.pem"), "-noout", "-pubkey"]));
            for (const link of ["etc/pki/libvirt/clientcert.pem", "etc/pki/libvirt/private/clientkey.pem", "etc/pki/libvirt-vnc/server-cert.pem"]) expect(fs.existsSync(pki(link))).toBe(true);
            const libvirtd = readProperties(pki("etc/libvirt/libvirtd.conf"));
            expect(libvirtd).toMatchObject({
                listen_tcp: "0",
                listen_tls: "1",
                key_file: '"/etc/pki/libvirt/private/serverkey.pem"',
                cert_file: '"/etc/pki/libvirt/servercert.pem"',
                ca_file: '"/etc/pki/CA/cacert.pem"',
                tcp_port: '"16509"',
                tls_port: '"16514"',
                auth_tcp: '"none"',
                auth_tls: '"none"',
            });
            expect(readProperties(pki("etc/libvirt/qemu.conf"))).toMatchObject({ vnc_tls: "1", vnc_tls_x509_verify: "1" });

            // addHost's own cloudstack-setup-agent -a -s: agent.properties updated in place (the passphrase stays).
            execFileSync(SETUP_AGENT, ["-m", "10.15.0.116", "-z", "1", "-p", "2", "-c", "3", "-g", "abc", "-a", "-s", "--pubNic=cloudbr1", "--prvNic=cloudbr0", "--guestNic=cloudbr1", "--hypervisor=kvm"], { env });
            const props = readProperties(`${conf}/agent.properties`);
            expect(props).toMatchObject({ host: "10.15.0.116", zone: "1", pod: "2", cluster: "3", guid: "abc", port: "8250", "keystore.passphrase": "Pass0123456789ab", "private.network.device": "cloudbr0", "public.network.device": "cloudbr1" });
            expect(readProperties(pki("etc/libvirt/qemu.conf"))).toMatchObject({ security_driver: '"none"', user: '"root"', group: '"root"' });
            expect(readProperties(pki("etc/libvirt/libvirtd.conf"))).toMatchObject({ listen_tcp: "0", listen_tls: "1" });
            const missing = (() => {
                try {
                    execFileSync(SETUP_AGENT, ["-a", "-m", "10.15.0.116"], { env, encoding: "utf8" });
                    return "";
                } catch (err) {
                    return String((err as { stdout: string }).stdout);
                }
            })();
            expect(missing).toMatch(/^Missing operand:/);
        } finally {
            fs.rmSync(root, { recursive: true, force: true });
        }
    });
});

const describeSsh = describeUnless(sshdAvailable() ? undefined : "needs root and /usr/sbin/sshd (apt-get install openssh-server)");

describeSsh("addHost over real SSH", () => {
    test("kvm check, keystore-setup, CA signing, keystore-cert-import, setup-agent -a -s, then the agent connects back; refused key and missing KVM fail", async () => {
        const sshd = await startLocalSshd();
        const root = tempDir("standin-ssh-root-");
        const conf = path.join(root, "etc/cloudstack/agent");
        fs.mkdirSync(conf, { recursive: true });
        fs.mkdirSync(path.join(root, "etc/libvirt"), { recursive: true });
        fs.writeFileSync(path.join(root, "etc/libvirt/libvirtd.conf"), "listen_tcp = 1\n");
        fs.writeFileSync(path.join(conf, "agent.properties"), "workers=5\n");
        const kvm = path.join(root, "dev-kvm");
        fs.writeFileSync(kvm, "");
        const port = new AgentPort(15000);
        const agentPort = await port.listen(0);
        const record = path.join(root, "setup-args");
        // cloudstack-setup-agent in the throw-away root, then what systemd does: start the agent (on the test's agent port).
        const setup = path.join(root, "setup-agent");
        const agentLog = path.join(root, "agent.log");
        fs.writeFileSync(
            setup,
            `#!/bin/sh\nset -e\necho "$*" > ${record}\nCLOUDSTACK_STANDIN_ROOT=${root} ${SETUP_AGENT} "$@"\n` +
                `sed -i "s/^port=.*/port=${agentPort}/" ${conf}/agent.properties\n` +
                `AGENT_PROPERTIES=${conf}/agent.properties AGENT_RETRY_SECONDS=0.2 setsid python3 ${AGENT} </dev/null >${agentLog} 2>&1 &\necho $! > ${root}/agent.pid\n`,
            { mode: 0o755 },
        );
        // Every ssh the stand-in runs, with its arguments: the keystore passphrase must not be among them.
        const argvLog = path.join(root, "ssh-argv");
        fs.mkdirSync(path.join(root, "bin"));
        fs.writeFileSync(path.join(root, "bin", "ssh"), `#!/bin/sh\necho "$*" >> ${argvLog}\nexec /usr/bin/ssh "$@"\n`, { mode: 0o755 });
        const savedPath = process.env.PATH;
        process.env.PATH = `${path.join(root, "bin")}:${savedPath}`;
        const ca = new StandInCa(path.join(root, "ca"));
        const connector = sshConnector({
            keyFile: sshd.privateKeyFile,
            port: sshd.port,
            ca,
            agents: port,
            scriptsDir: UTIL,
            agentConfDir: conf,
            kvmDevice: kvm,
            sudo: `env CLOUDSTACK_STANDIN_ROOT=${root} CLOUDSTACK_SETUP_AGENT=${SETUP_AGENT}`,
            setupCommand: setup,
        });
        const standIn = await startStandIn({ jobLatencyMs: 10, connector });
        port.attach(standIn.data, () => undefined);
        try {
            const api = adminClient(standIn);
            await api.request("updateConfiguration", { name: "host", value: "127.0.0.1" });
            const ids = await zonePodCluster(api);
            const params = { zoneid: ids.zone, podid: ids.pod, clusterid: ids.cluster, url: "http://127.0.0.1", hypervisor: "KVM", username: "root", password: "" };
            const host = (await api.list<{ id: string; state: string }>("addHost", params))[0];
            expect(host.state).toBe("Up");
            const zone = standIn.data.zones[0];
            const guid = nameUuidFromBytes("127.0.0.1");
            expect(fs.readFileSync(record, "utf8").trim()).toBe(
                `-m 127.0.0.1 -z ${zone.dbId} -p ${standIn.data.pods[0].dbId} -c ${standIn.data.clusters[0].dbId} -g ${guid} -a -s --pubNic=cloudbr0 --prvNic=cloudbr0 --guestNic=cloudbr0 --hypervisor=kvm`,
            );
            const pki = (p: string) => path.join(root, p);
            expect(execFileSync("openssl", ["verify", "-CAfile", ca.certFile, pki("etc/pki/libvirt/servercert.pem")], { encoding: "utf8" })).toMatch(/: OK/);
            expect(readProperties(pki("etc/libvirt/libvirtd.conf"))).toMatchObject({ listen_tcp: "0", listen_tls: "1", tls_port: '"16514"' });
            await waitUntil(() => readProperties(`${conf}/agent.properties`).host === "127.0.0.1@static", "host=127.0.0.1@static");
            const passphrase = readProperties(`${conf}/agent.properties`)["keystore.passphrase"];
            expect(passphrase).toMatch(/^[A-Za-z0-9]{16}$/);
            const argv = fs.readFileSync(argvLog, "utf8");
            expect(argv.split("\n").filter(Boolean)).toHaveLength(4);
            expect(argv).not.toContain(passphrase);

            await api.request("deleteHost", { id: host.id, forced: "true" });
            fs.rmSync(kvm);
            const noKvm = await failure(api.request("addHost", params));
            expect(noKvm?.errortext).toMatch(/due to: \[This machine does not have KVM enabled\.\]\.$/);
            fs.writeFileSync(path.join(sshd.dir, "authorized_keys"), "");
            const refused = await failure(api.request("addHost", params));
            expect([refused?.code, refused?.errortext?.replace(/^.* due to: /, "")]).toEqual([530, "[Authentication error with ssh private key]."]);
        } finally {
            process.env.PATH = savedPath;
            const pid = Number(fs.readFileSync(path.join(root, "agent.pid"), "utf8"));
            if (pid > 0) process.kill(pid, "SIGTERM");
            await port.close();
            await standIn.close();
            await sshd.stop();
            fs.rmSync(root, { recursive: true, force: true });
        }
    }, 60000);
});
