/**
 * The client's request signing against an independent implementation written
 * from the Java steps of ApiServer.verifyRequest (tests/standin/javaSigning.ts:
 * byte-wise URLEncoder, sort as sent, lower-case, HmacSHA1), and against the
 * stand-in that verifies with it.
 */
import { CloudStackClient } from "../../providers/cloudstack/client";
import { canonicalQuery, encodeValue, signature, signParams } from "../../providers/cloudstack/signing";
import { startStandIn, StandIn } from "../standin";
import { javaSignature, javaUrlEncoderEncode, parseExpires, unsignedRequest } from "../standin/javaSigning";

const SECRET = "Q1ZnHGXI1T5y0nZc-r3Hhp9eTVe3pNw7Xc5Pwyb6_fRxSg8tLkAu2mD4oBsJqE0iWzK9vYlNa7hF3cUdGx8e";
const pairs = (params: Record<string, string>) => Object.entries(params);

const TRICKY_VALUES = [
    "plain",
    "with spaces  twice",
    "a+b",
    "tilde~bang!quote'paren()star*",
    "path/with:colon=equals&amp",
    "ünïcödé é 中文 🙂",
    "percent%20literal",
    "",
];

describe("value encoding", () => {
    test.each(TRICKY_VALUES)("%j is encoded like URLEncoder with + as %%20", (value) => {
        expect(encodeValue(value)).toBe(javaUrlEncoderEncode(value).replace(/\+/g, "%20"));
    });

    test("every printable ASCII character matches, * stays literal and ~ ! ' ( ) are escaped", () => {
        const ascii = Array.from({ length: 95 }, (_, i) => String.fromCharCode(32 + i)).join("");
        expect(encodeValue(ascii)).toBe(javaUrlEncoderEncode(ascii).replace(/\+/g, "%20"));
        expect(encodeValue("*~!'()")).toBe("*%7E%21%27%28%29");
        expect(encodeValue(" +")).toBe("%20%2B");
    });
});

describe("signature", () => {
    test.each(TRICKY_VALUES)("value %j gives the Java signature", (value) => {
        const params = { command: "createZone", name: value, response: "json", apikey: "KEY" };
        expect(signature(params, SECRET)).toBe(javaSignature(pairs(params), SECRET));
    });

    test("map parameters keep their brackets and dots unencoded in the signed string", () => {
        const params = { command: "createStoragePool", "details[0].key": "nfsmountopts", "details[0].value": "vers=4.1", response: "json" };
        expect(canonicalQuery(params)).toContain("details[0].key=nfsmountopts");
        expect(signature(params, SECRET)).toBe(javaSignature(pairs(params), SECRET));
    });

    test("camelCase names sort as sent, before lower-casing (not as the docs describe)", () => {
        const params = { command: "createNetwork", networkOfferingId: "a", networkdomain: "b", response: "json" };
        expect(unsignedRequest(pairs(params))).toBe("command=createNetwork&networkOfferingId=a&networkdomain=b&response=json");
        expect(signature(params, SECRET)).toBe(javaSignature(pairs(params), SECRET));
        const docsOrder = { command: "createNetwork", networkdomain: "b", networkofferingid: "a", response: "json" };
        expect(signature(params, SECRET)).not.toBe(javaSignature(pairs(docsOrder), SECRET));
    });

    test("the signature parameter itself is not signed", () => {
        const params = { command: "listZones", response: "json" };
        expect(signature({ ...params, signature: "whatever" }, SECRET)).toBe(signature(params, SECRET));
    });

    test("signParams adds signatureversion 3 and an expires a few minutes ahead", () => {
        const now = new Date("2030-01-01T00:00:00.000Z");
        const signed = signParams({ command: "listZones", response: "json" }, "KEY", SECRET, now);
        expect(signed.signatureversion).toBe("3");
        const ahead = (parseExpires(signed.expires) as number) - now.getTime();
        expect(ahead).toBeGreaterThanOrEqual(60_000);
        expect(ahead).toBeLessThanOrEqual(15 * 60_000);
        const { signature: sent, ...rest } = signed;
        expect(sent).toBe(javaSignature(pairs(rest), SECRET));
    });
});

describe("expires forms accepted by DateUtil.parseTZDateString", () => {
    test.each([
        ["2030-01-01T00:00:00Z", Date.UTC(2030, 0, 1)],
        ["2030-01-01T00:00:00.000Z", Date.UTC(2030, 0, 1)],
        ["2030-01-01T00:00:00+0000", Date.UTC(2030, 0, 1)],
        ["2030-01-01T05:30:00+0530", Date.UTC(2030, 0, 1)],
        ["2030-01-01T00:00:00+00:00", Date.UTC(2030, 0, 1)],
    ])("%s", (value, expected) => {
        expect(parseExpires(value)).toBe(expected);
    });

    test.each(["2030-01-01T00:00:00", "2030-01-01 00:00:00", "tomorrow"])("%s is rejected", (value) => {
        expect(parseExpires(value)).toBeUndefined();
    });
});

describe("against the stand-in", () => {
    let standIn: StandIn;
    let apiKey: string;

    beforeAll(async () => {
        standIn = await startStandIn();
        const admin = standIn.data.users[0];
        admin.apikey = "test-api-key";
        admin.secretkey = SECRET;
        apiKey = admin.apikey;
    });
    afterAll(() => standIn.close());

    test.each(TRICKY_VALUES.filter(Boolean))("a zone named %j is created with a signed request", async (name) => {
        const api = new CloudStackClient({ apiUrl: standIn.url, credentials: { apiKey, secretKey: SECRET } });
        const answer = await api.request("createZone", { name, dns1: "8.8.8.8", internaldns1: "8.8.8.8", networktype: "Advanced" });
        expect((answer.zone as { name: string }).name).toBe(name);
    });

    /** A raw GET with hand-made parameters, so each signing rule can be broken on purpose. */
    async function rawGet(params: Record<string, string>): Promise<number> {
        const query = Object.entries(params).map(([k, v]) => `${encodeURIComponent(k)}=${encodeURIComponent(v)}`).join("&");
        return (await fetch(`${standIn.url}?${query}`)).status;
    }
    const base = (expires: string) => ({ command: "listZones", response: "json", apikey: apiKey, signatureversion: "3", expires });
    const signedWith = (params: Record<string, string>, secret = SECRET) => ({ ...params, signature: javaSignature(pairs(params), secret) });

    test.each(["2099-01-01T00:00:00Z", "2099-01-01T00:00:00.000Z", "2099-01-01T00:00:00+0000"])("expires %s is accepted", async (expires) => {
        expect(await rawGet(signedWith(base(expires)))).toBe(200);
    });

    test("an expired request, a wrong secret, a changed value or a missing expires get 401", async () => {
        expect(await rawGet(signedWith(base("2001-01-01T00:00:00Z")))).toBe(401);
        expect(await rawGet(signedWith(base("2099-01-01T00:00:00Z"), "not-the-secret"))).toBe(401);
        expect(await rawGet({ ...signedWith(base("2099-01-01T00:00:00Z")), name: "added-after-signing" })).toBe(401);
        const { expires: _unused, ...withoutExpires } = base("x");
        expect(await rawGet(signedWith(withoutExpires))).toBe(401);
    });
});
