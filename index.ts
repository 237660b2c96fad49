/**
 * cloudstack-infra: Apache CloudStack 4.19 on Ubuntu 24.04 servers.
 *
 * Stack config → one validated Settings object → node components → Zone →
 * stack outputs. Read docs/DESIGN.md for the shape and README.md for the
 * config reference.
 */
import * as pulumi from "@pulumi/pulumi";
import { deployCloud } from "./components/deployCloud";
import { loadSettings } from "./config/readSettings";

const settings = loadSettings();

// Pulumi records a stack trace for every resource and promise it creates;
// for a 100-host stack that was most of a preview's time
// (bench/preview-scale.ts). Building the graph needs none of them.
const stackTraceLimit = Error.stackTraceLimit;
Error.stackTraceLimit = 0;
const cloud = deployCloud(settings);
Error.stackTraceLimit = stackTraceLimit;

export const uiUrl = cloud.uiUrl;
export const apiUrl = cloud.apiUrl;
export const zoneId = cloud.zoneId;
export const zoneReady = cloud.zoneReady;
export const managementSshPublicKey = cloud.managementSshPublicKey;
export const nodes = cloud.nodes;
export const logFiles = cloud.logFiles;
export const topology = cloud.topology;
/** The admin's API keys (secret); `pulumi stack output --show-secrets apiKeys` prints them. */
export const apiKeys = pulumi.secret(cloud.apiKeys);
