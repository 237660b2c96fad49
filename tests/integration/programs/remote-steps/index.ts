// Test program: one generated secret handed to one remote script, as the node components do.
import * as pulumi from "@pulumi/pulumi";
import { RemoteScript } from "../../../../providers/remote/RemoteScript";
import { GeneratedSecret } from "../../../../providers/secrets/GeneratedSecret";

const config = new pulumi.Config("test");
const password = new GeneratedSecret("db-password", { length: 24 });
const step = new RemoteScript("write-file", {
    connection: { host: "127.0.0.1", port: config.requireNumber("port"), user: "root", privateKeyFile: config.require("keyFile"), hostKey: config.require("hostKey") },
    node: "local",
    step: "write-file",
    script: `echo run >> ${config.require("dir")}/runs; printf '%s' "$DB_PASSWORD" > ${config.require("dir")}/password; echo "::output length=\${#DB_PASSWORD}"; echo "::changed password file"`,
    deleteScript: `rm -f ${config.require("dir")}/password; echo deleted >> ${config.require("dir")}/runs`,
    env: { GREETING: config.get("greeting") ?? "hello" },
    secretEnv: { DB_PASSWORD: password.value },
});
export const length = step.outputs.apply((o) => o.length);
export const secretValue = password.value;
