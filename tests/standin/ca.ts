/**
 * The stand-in's certificate authority, as 4.19's root CA plugin provides it
 * to addHost (plugins/ca/root-ca/.../RootCAProvider.java): a self-signed CA
 * kept with the server's state, and certificates issued from an agent's CSR
 * with the names addHost asks for plus those in the CSR. Made with the
 * `openssl` CLI of the machine the stand-in runs on.
 */
import { execFileSync } from "child_process";
import * as crypto from "crypto";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";

// plugins/ca/root-ca/src/main/java/org/apache/cloudstack/ca/provider/RootCAProvider.java@4.19.3.0:125 (ca.plugin.root.issuer.dn)
const ISSUER = "/CN=ca.cloudstack.apache.org";

function openssl(args: string[], input?: string): string {
    return execFileSync("openssl", args, { input, encoding: "utf8", stdio: ["pipe", "pipe", "pipe"] });
}

/** The subject alternative names a CSR asks for (RootCAProvider.java@4.19.3.0:185-201 adds them to the issued cert). */
export function csrAlternativeNames(csrPem: string): { dns: string[]; ips: string[] } {
    const text = openssl(["req", "-noout", "-text"], csrPem);
    const line = /X509v3 Subject Alternative Name:[^\n]*\n\s*([^\n]*)/.exec(text)?.[1] ?? "";
    const entries = line.split(",").map((e) => e.trim()).filter(Boolean);
    return {
        dns: entries.filter((e) => e.startsWith("DNS:")).map((e) => e.slice(4)),
        ips: entries.filter((e) => e.startsWith("IP Address:")).map((e) => e.slice(11)),
    };
}

export class StandInCa {
    readonly keyFile: string;
    readonly certFile: string;

    /** Creates the CA in `dir` the first time (private key 0600), then reuses it. */
    constructor(readonly dir: string) {
        this.keyFile = path.join(dir, "ca.key");
        this.certFile = path.join(dir, "ca.crt");
        if (fs.existsSync(this.keyFile) && fs.existsSync(this.certFile)) return;
        fs.mkdirSync(dir, { recursive: true, mode: 0o700 });
        // CertUtils.generateV3Certificate@4.19.3.0:202-203: CA cert with basicConstraints CA:true, keyCertSign|cRLSign (both critical).
        openssl([
            "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-sha256", "-days", "3650",
            "-subj", ISSUER, "-keyout", this.keyFile, "-out", this.certFile,
            "-addext", "basicConstraints=critical,CA:TRUE", "-addext", "keyUsage=critical,keyCertSign,cRLSign",
        ]);
        fs.chmodSync(this.keyFile, 0o600);
    }

    caCertificate(): string {
        return fs.readFileSync(this.certFile, "utf8");
    }

    /**
     * RootCAProvider.generateCertificateUsingCsr@4.19.3.0:159-211: the CSR's
     * subject and key, DNS names = given + CSR's, IPs = given + CSR's, signed
     * SHA256withRSA (CAManager.java@4.19.3.0:49-52) for `validityDays`
     * (ca.framework.cert.validity.period, default 365, CAManager.java@4.19.3.0:55-58).
     */
    sign(csrPem: string, dnsNames: string[], ips: string[], validityDays: number): string {
        if (!/-----BEGIN (NEW )?CERTIFICATE REQUEST-----/.test(csrPem)) {
            // RootCAProvider.java@4.19.3.0:179-181
            throw new Error(`Unable to read/process CSR: ${csrPem}`);
        }
        const fromCsr = csrAlternativeNames(csrPem);
        const dns = [...new Set([...dnsNames, ...fromCsr.dns])].filter(Boolean);
        const addresses = [...new Set([...ips, ...fromCsr.ips])].filter(Boolean);
        const san = [...addresses.map((ip) => `IP:${ip}`), ...dns.map((name) => `DNS:${name}`)].join(",");
        const work = fs.mkdtempSync(path.join(os.tmpdir(), "standin-ca-"));
        try {
            const csrFile = path.join(work, "agent.csr");
            const extFile = path.join(work, "ext.cnf");
            fs.writeFileSync(csrFile, csrPem);
            // CertUtils.java@4.19.3.0:207-238: authority and subject key ids, SAN when there are names.
            fs.writeFileSync(extFile, ["authorityKeyIdentifier=keyid", "subjectKeyIdentifier=hash", ...(san ? [`subjectAltName=${san}`] : [])].join("\n") + "\n");
            return openssl([
                "x509", "-req", "-in", csrFile, "-CA", this.certFile, "-CAkey", this.keyFile,
                "-set_serial", `0x${crypto.randomBytes(16).toString("hex")}`, "-days", String(validityDays), "-sha256", "-extfile", extFile,
            ]);
        } finally {
            fs.rmSync(work, { recursive: true, force: true });
        }
    }
}
