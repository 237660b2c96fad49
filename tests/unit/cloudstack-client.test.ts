/**
 * The API client against the stand-in over real HTTP: errors that name the
 * command, the server's text and the parameters without secrets; async jobs
 * polled at most once a second and noticed within a second; retries only
 * where nothing can happen twice; login sessions.
 */
import * as net from "net";
import { CloudStackClient } from "../../providers/cloudstack/client";
import { CloudStackConnectionError, CloudStackError, CloudStackTimeoutError } from "../../providers/cloudstack/errors";
import { startStandIn, StandIn, StandInOptions } from "../standin";
import { adminConnection, callsTo } from "../standin/testKit";

const ZONE = { name: "Z1", dns1: "8.8.8.8", internaldns1: "8.8.8.8", networktype: "Advanced" };

async function freePort(): Promise<number> {
    return new Promise((resolve) => {
        const server = net.createServer().listen(0, "127.0.0.1", () => {
            const { port } = server.address() as net.AddressInfo;
            server.close(() => resolve(port));
        });
    });
}

describe("client", () => {
    let standIn: StandIn;
    let api: CloudStackClient;

    /** A stand-in with these options and a client with admin keys for it. */
    async function restart(options: StandInOptions = { jobLatencyMs: 50 }): Promise<void> {
        await standIn?.close();
        standIn = await startStandIn(options);
        const c = adminConnection(standIn);
        api = new CloudStackClient({ apiUrl: c.apiUrl, credentials: { apiKey: c.apiKey, secretKey: c.secretKey } });
    }

    beforeEach(() => restart());
    afterEach(() => standIn.close());

    test("bad keys: 401 with the command and the server's text, and no secret in the message", async () => {
        const bad = new CloudStackClient({ apiUrl: standIn.url, credentials: { apiKey: "wrong", secretKey: "s3cr3t-value" } });
        const err = (await bad.request("listZones").catch((e) => e)) as CloudStackError;
        expect(err).toBeInstanceOf(CloudStackError);
        expect(err.code).toBe(401);
        expect(err.message).toMatch(/CloudStack listZones failed with error 401: unable to verify user credentials and\/or request signature/);
        expect(err.message).not.toContain("s3cr3t-value");
    });

    test("a bad parameter: 431 with the text, and the parameters sent (passwords hidden)", async () => {
        await api.request("createZone", ZONE);
        const err = (await api.request("createZone", { ...ZONE, name: "z1" }).catch((e) => e)) as CloudStackError;
        expect(err.code).toBe(431);
        expect(err.message).toContain("A zone with that name already exists");
        expect(err.message).toContain("name=z1");
        const missing = (await api.request("createPod", { name: "p" }).catch((e) => e)) as CloudStackError;
        expect(missing.message).toContain("Unable to execute API command createpod due to missing parameter zoneid");
        const secret = (await api.request("updateUser", { id: "nope", password: "hunter2-secret" }).catch((e) => e)) as CloudStackError;
        expect(secret.message).toContain("password=(hidden)");
        expect(secret.message).not.toContain("hunter2-secret");
    });

    test("a failed job surfaces jobresult.errortext with the job id", async () => {
        const zone = (await api.request("createZone", ZONE)).zone as { id: string };
        const network = (await api.job("createPhysicalNetwork", { zoneid: zone.id, name: "pn", isolationmethods: "VXLAN" })).physicalnetwork as { id: string };
        const err = (await api.job("updatePhysicalNetwork", { id: network.id, state: "enabled" }).catch((e) => e)) as CloudStackError;
        expect(err.code).toBe(431);
        expect(err.jobId).toMatch(/^[0-9a-f-]{36}$/);
        expect(err.message).toMatch(/updatePhysicalNetwork failed \(async job .*\) with error 431: Unable to resolve state 'enabled'/);
    });

    test("a job past its deadline is a timeout that says how to look it up", async () => {
        await restart({ jobLatencyMs: 5000 });
        const zone = (await api.request("createZone", ZONE)).zone as { id: string };
        const err = await api.job("createPhysicalNetwork", { zoneid: zone.id, name: "pn" }, { deadlineMs: 1500 }).catch((e) => e);
        expect(err).toBeInstanceOf(CloudStackTimeoutError);
        expect(err.message).toMatch(/did not finish before its deadline.*queryAsyncJobResult jobid=/);
    });

    test("polling: the job is asked about until it is seen done, and not after (intervals: bench/zone-build.ts)", async () => {
        await restart({ jobLatencyMs: 2300 });
        const zone = (await api.request("createZone", ZONE)).zone as { id: string };
        await api.job("createPhysicalNetwork", { zoneid: zone.id, name: "pn" });
        const job = standIn.data.jobs[0];
        expect(job.polls.length).toBeGreaterThan(1);
        // The last poll is the one that saw the job done; every earlier one saw it running.
        expect(job.firstSeenDoneAt).toBe(job.polls[job.polls.length - 1]);
        expect(job.polls.slice(0, -1).every((t) => t < (job.completedAt as number))).toBe(true);
    });

    test("secrets go by POST, never in a URL", async () => {
        await api.request("updateUser", { id: standIn.data.users[0].id, password: "n3w-password" });
        expect(callsTo(standIn, "updateUser")[0].method).toBe("POST");
        await api.request("listZones");
        expect(callsTo(standIn, "listZones")[0].method).toBe("GET");
    });

    test("a dropped connection on a create is not retried; the same on a read is", async () => {
        standIn.inject({ kind: "drop", when: "after", command: "createZone" });
        const err = await api.request("createZone", ZONE).catch((e) => e);
        expect(err).toBeInstanceOf(CloudStackConnectionError);
        expect(err.message).toMatch(/may have reached the server/);
        // The cause names the URL without its query: the key and the signature stay out of messages and logs.
        expect(err.message).toContain(`at ${standIn.url}: socket hang up`);
        expect(err.message).not.toContain(adminConnection(standIn).apiKey);
        expect(err.message).not.toMatch(/signature=|apikey=/);
        expect(callsTo(standIn, "createZone")).toHaveLength(1);
        // The zone was made before the answer was lost: the next run finds it instead of creating another.
        expect(await api.list("listZones", { name: "Z1" })).toHaveLength(1);
        standIn.inject({ kind: "drop", when: "before", command: "listZones", times: 2 });
        expect(await api.list("listZones")).toHaveLength(1);
        expect(callsTo(standIn, "listZones")).toHaveLength(4);
    });

    test("a read is sent again through a run of resets and gateway answers, however many, within the wait", async () => {
        await api.request("createZone", ZONE);
        standIn.inject({ kind: "drop", when: "before", command: "listZones", times: 5 });
        standIn.inject({ kind: "status", status: 502, command: "listZones", times: 2 });
        expect(await api.list("listZones")).toHaveLength(1);
        expect(callsTo(standIn, "listZones").map((c) => c.status)).toEqual([502, 502, 0, 0, 0, 0, 0, 200]);
    });

    test("a restart (connections refused, open ones dropped) is waited out by reads and job polls; a lost poll is polled again", async () => {
        const zone = (await api.request("createZone", ZONE)).zone as { id: string };
        const outage = standIn.unreachable(1500);
        expect(await api.list("listZones")).toHaveLength(1);
        await outage;
        standIn.inject({ kind: "drop", when: "after", command: "queryAsyncJobResult", times: 2 });
        await api.job("createPhysicalNetwork", { zoneid: zone.id, name: "P1" });
        expect(standIn.pendingFaults()).toEqual([]);
        expect(callsTo(standIn, "createPhysicalNetwork")).toHaveLength(1);
        expect(standIn.data.physicalNetworks.filter((n) => !n.removed)).toHaveLength(1);
    });

    test("while the server starts: refused connections and a bare 503 are waited out, even for a create", async () => {
        const port = await freePort();
        const c = adminConnection(standIn);
        const early = new CloudStackClient({ apiUrl: `http://127.0.0.1:${port}/client/api`, credentials: { apiKey: c.apiKey, secretKey: c.secretKey } });
        const pending = early.request("createZone", ZONE);
        await new Promise((r) => setTimeout(r, 1200));
        const late = await startStandIn({ port });
        late.data.users[0].apikey = c.apiKey;
        late.data.users[0].secretkey = c.secretKey;
        late.inject({ kind: "status", status: 503, times: 1 });
        try {
            expect(((await pending).zone as { name: string }).name).toBe("Z1");
            expect(late.calls.map((x) => `${x.command}:${x.status}`)).toEqual(["createZone:503", "createZone:200"]);
        } finally {
            await late.close();
        }
    });

    test("a refused connection that does not end is reported, naming the URL", async () => {
        const port = await freePort();
        const nobody = new CloudStackClient({ apiUrl: `http://127.0.0.1:${port}/client/api`, startupWaitMs: 600 });
        const err = await nobody.request("listZones").catch((e) => e);
        expect(err).toBeInstanceOf(CloudStackConnectionError);
        expect(err.message).toContain(`http://127.0.0.1:${port}/client/api`);
        expect(err.message).toContain("ECONNREFUSED");
    });
});

describe("login sessions", () => {
    let standIn: StandIn;
    beforeEach(async () => (standIn = await startStandIn()));
    afterEach(() => standIn.close());

    test("login by POST, then cookie and sessionkey parameter; logout ends the session", async () => {
        const session = await CloudStackClient.login(standIn.url, "admin", "password");
        expect(callsTo(standIn, "login")[0].method).toBe("POST");
        expect(await session.list("listUsers")).toHaveLength(1);
        await session.logout();
        await expect(session.list("listUsers")).rejects.toThrow(/error 401/);
    });

    test("a bad password is 531, once, with the server's text", async () => {
        const err = (await CloudStackClient.login(standIn.url, "admin", "wrong").catch((e) => e)) as CloudStackError;
        expect(err.code).toBe(531);
        expect(err.message).toContain("Failed to authenticate user admin in domain 1; please provide valid credentials");
        expect(callsTo(standIn, "login")).toHaveLength(1);
    });

    test("the stand-in wants POST for login and both session key locations", async () => {
        const get = await fetch(`${standIn.url}?command=login&username=admin&password=password&response=json`);
        expect(get.status).toBe(405);
        const login = await fetch(standIn.url, { method: "POST", headers: { "Content-Type": "application/x-www-form-urlencoded" }, body: "command=login&username=admin&password=password&response=json" });
        const key = ((await login.json()) as { loginresponse: { sessionkey: string } }).loginresponse.sessionkey;
        const cookies = login.headers.getSetCookie().map((c) => c.split(";")[0]);
        const jsession = cookies.find((c) => c.startsWith("JSESSIONID")) as string;
        const call = (query: string, cookie: string) => fetch(`${standIn.url}?command=listZones&response=json${query}`, { headers: { Cookie: cookie } });
        expect((await call(`&sessionkey=${key}`, `${jsession}; sessionkey=${key}`)).status).toBe(200);
        expect((await call(`&sessionkey=${key}`, jsession)).status).toBe(401);
        // The failed check ended the session: even a correct request is refused now.
        expect((await call(`&sessionkey=${key}`, `${jsession}; sessionkey=${key}`)).status).toBe(401);
    });

    test("five bad logins disable an ordinary user, not the root admin", async () => {
        standIn.data.users.push({ ...standIn.data.users[0], id: "u2", dbId: 99, username: "ops", account: "ops", accounttype: 0 });
        for (let i = 0; i < 5; i++) {
            await CloudStackClient.login(standIn.url, "ops", "wrong").catch(() => undefined);
            await CloudStackClient.login(standIn.url, "admin", "wrong").catch(() => undefined);
        }
        await expect(CloudStackClient.login(standIn.url, "ops", "password")).rejects.toThrow(/531/);
        await expect(CloudStackClient.login(standIn.url, "admin", "password")).resolves.toBeInstanceOf(CloudStackClient);
    });
});
