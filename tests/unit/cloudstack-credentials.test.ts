/**
 * ApiCredentials on a fresh stand-in (admin / password, no keys) and
 * GlobalSetting: keys obtained without the UI, the password replaced, a second
 * run reusing the keys, revoked keys noticed by refresh, and never more than
 * two login attempts.
 */
import { CloudStackClient } from "../../providers/cloudstack/client";
import { provider as credentialsProvider } from "../../providers/cloudstack/objects/apiCredentials";
import { provider as settingProvider } from "../../providers/cloudstack/objects/globalSetting";
import { startStandIn, StandIn } from "../standin";
import { adminConnection, callsTo, mutatingCommands } from "../standin/testKit";

/* eslint-disable @typescript-eslint/no-explicit-any */
let standIn: StandIn;
beforeEach(async () => (standIn = await startStandIn()));
afterEach(() => standIn.close());

const inputs = () => ({ apiUrl: standIn.url, username: "admin", domain: "/", initialPassword: "password", password: "N3w-admin-pass" });

describe("ApiCredentials", () => {
    test("a fresh server: login, keys registered, password changed, logged out", async () => {
        const { id, outs } = (await credentialsProvider.create(inputs())) as { id: string; outs: any };
        const admin = standIn.data.users[0];
        expect(id).toBe(admin.id);
        expect([outs.apiKey, outs.secretKey]).toEqual([admin.apikey, admin.secretkey]);
        expect(standIn.calls.map((c) => c.command)).toEqual(["login", "login", "listUsers", "getUserKeys", "registerUserKeys", "updateUser", "logout"]);
        expect(callsTo(standIn, "login").map((c) => c.status)).toEqual([531, 200]);
        await expect(CloudStackClient.login(standIn.url, "admin", "N3w-admin-pass")).resolves.toBeInstanceOf(CloudStackClient);
        await expect(CloudStackClient.login(standIn.url, "admin", "password")).rejects.toThrow(/531/);
    });

    test("a second run logs in with the new password and keeps the keys", async () => {
        const first = (await credentialsProvider.create(inputs())) as { outs: any };
        const since = standIn.calls.length;
        const second = (await credentialsProvider.create(inputs())) as { outs: any };
        expect(second.outs.apiKey).toBe(first.outs.apiKey);
        expect(standIn.calls.slice(since).map((c) => c.command)).toEqual(["login", "listUsers", "getUserKeys", "logout"]);
    });

    test("refresh notices revoked keys; the next update fetches the current ones", async () => {
        const { id, outs } = (await credentialsProvider.create(inputs())) as { id: string; outs: any };
        expect(((await credentialsProvider.read(id, outs)).props as any).keysValid).toBe(true);
        const session = await CloudStackClient.login(standIn.url, "admin", "N3w-admin-pass");
        await session.request("registerUserKeys", { id });
        const read = (await credentialsProvider.read(id, outs)).props as any;
        expect(read.keysValid).toBe(false);
        expect((await credentialsProvider.diff(id, read, inputs())).changes).toBe(true);
        const updated = (await credentialsProvider.update(id, read, inputs())).outs as any;
        expect(updated.apiKey).toBe(standIn.data.users[0].apikey);
        expect(updated.apiKey).not.toBe(outs.apiKey);
    });

    test("wrong passwords: two attempts, then a clear error — never a loop", async () => {
        const err = await credentialsProvider.create({ ...inputs(), initialPassword: "also-wrong" }).catch((e) => e);
        expect(err.message).toMatch(/cannot log in to CloudStack at .* as admin: neither the configured nor the initial admin password was accepted .*No more attempts were made/);
        expect(callsTo(standIn, "login")).toHaveLength(2);
        expect(err.message).not.toContain("N3w-admin-pass");
    });

    test('check refuses domain "ROOT" and says why', async () => {
        const { failures } = await credentialsProvider.check({} as any, { ...inputs(), domain: "ROOT" });
        expect(failures).toEqual([{ property: "domain", reason: expect.stringContaining('"/" is the ROOT domain') }]);
    });
});

describe("GlobalSetting", () => {
    test("sets the value, shows drift, puts the old value back on delete", async () => {
        const connection = adminConnection(standIn);
        const detected = standIn.data.configurations.host;
        const { id, outs } = (await settingProvider.create({ connection, name: "host", value: "10.15.0.116" })) as { id: string; outs: any };
        expect(standIn.data.configurations.host).toBe("10.15.0.116");
        expect(outs.previousValue).toBe(detected);
        standIn.data.configurations.host = "10.9.9.9";
        const read = (await settingProvider.read(id, outs)).props as any;
        expect(read.value).toBe("10.9.9.9");
        expect((await settingProvider.diff(id, read, { connection, name: "host", value: "10.15.0.116" })).changes).toBe(true);
        await settingProvider.update(id, read, { connection, name: "host", value: "10.15.0.116" });
        expect(standIn.data.configurations.host).toBe("10.15.0.116");
        await settingProvider.delete(id, outs);
        expect(standIn.data.configurations.host).toBe(detected);
    });

    test("an unknown setting is an error naming it; an unchanged one makes no call", async () => {
        const connection = adminConnection(standIn);
        await expect(settingProvider.create({ connection, name: "no.such.setting", value: "1" })).rejects.toThrow(/has no global setting named no.such.setting/);
        await settingProvider.create({ connection, name: "prometheus.exporter.enable", value: "false" });
        expect(mutatingCommands(standIn)).toEqual([]);
    });

    test("a zone-scoped setting (the guest MTU) is written with zoneid, read back from the zone, and unchanged makes no call", async () => {
        const connection = adminConnection(standIn);
        const api = new CloudStackClient({ apiUrl: connection.apiUrl, credentials: { apiKey: connection.apiKey, secretKey: connection.secretKey } });
        const zoneId = ((await api.request("createZone", { name: "MTU", dns1: "8.8.8.8", internaldns1: "8.8.8.8", networktype: "Advanced" })).zone as { id: string }).id;
        const inputs = { connection, zoneId, name: "vr.private.interface.max.mtu", value: "1450" };
        const since = standIn.calls.length;
        const { id, outs } = (await settingProvider.create(inputs)) as { id: string; outs: any };
        expect(standIn.calls.slice(since).filter((c) => c.command === "updateConfiguration").map((c) => c.params)).toEqual([
            expect.objectContaining({ name: "vr.private.interface.max.mtu", value: "1450", zoneid: zoneId }),
        ]);
        expect(standIn.data.zoneConfigurations[zoneId]).toEqual({ "vr.private.interface.max.mtu": "1450" });
        expect(standIn.data.configurations["vr.private.interface.max.mtu"]).toBe("1500");
        expect(outs.previousValue).toBe("1500");
        const again = standIn.calls.length;
        await settingProvider.update(id, outs, inputs);
        expect(mutatingCommands(standIn, again)).toEqual([]);
        expect(standIn.ignored).toEqual([]);
        await settingProvider.delete(id, outs);
        expect(standIn.data.zoneConfigurations[zoneId]).toEqual({ "vr.private.interface.max.mtu": "1500" });
    });
});
