// Test program: a zone-only deployment — the Zone component against an existing API endpoint (the stand-in).
import * as pulumi from "@pulumi/pulumi";
import { Zone } from "../../../components/Zone";
import { ZoneSettings } from "../../../config/settings";

const config = new pulumi.Config("test");
const zone = new Zone("seed", {
    zone: config.requireObject<ZoneSettings>("zone"),
    apiUrl: config.require("apiUrl"),
    adminPassword: config.requireSecret("adminPassword"),
    managementAddress: config.require("managementAddress"),
});
export const zoneId = zone.zoneId;
export const ready = zone.readiness.apply((r) => r.ready);
export const apiKey = zone.apiKey;
