/** Checks of credentials: API keys come in pairs, a zone-only stack needs a way in, and hosts register by key. */
import { ConfigProblems } from "../problems";
import { Settings } from "../settings";
import { isZoneOnly } from "../zoneOnly";
import { K } from "./values";

export function checkSecrets(settings: Settings, problems: ConfigProblems): void {
    const { secrets, zone } = settings;
    if ((secrets.apiKey === undefined) !== (secrets.secretKey === undefined)) {
        problems.note(K(secrets.apiKey ? "secretKey" : "apiKey"), "is missing; API keys come in pairs; set both cloudstack:apiKey and cloudstack:secretKey (secrets), or neither to have them created");
    }
    if (isZoneOnly(settings) && secrets.apiKey === undefined && secrets.adminPassword === undefined) {
        problems.note(K("apiKey"), "is missing; a zone-only stack talks to an existing management server: set cloudstack:apiKey and cloudstack:secretKey, or cloudstack:adminPassword to create keys (these cannot be generated)");
    }
    zone.hosts.forEach((h, i) => {
        if (!h.useManagementKey) {
            // Ubuntu 24.04's stock sshd_config has PermitRootLogin prohibit-password: addHost's password login as root
            // is refused and registration fails (reference §10).
            problems.add(
                K(`zone.hosts[${i}].useManagementKey`),
                false,
                `host ${h.name} cannot be registered by password: Ubuntu 24.04 refuses root password logins (PermitRootLogin prohibit-password); set useManagementKey: true (the management server's key is installed on the host) or delete the key`,
            );
        }
    });
}
