/** Checks of cloudstack:network: the two host networks, their bridges and routes, DNS, NTP and time zone. */
import { cidrContains, cidrsOverlap, isCidr, isIPv4 } from "../net";
import { ConfigProblems } from "../problems";
import { isSafe } from "../safeValues";
import { NetworkSegmentSettings, Settings } from "../settings";
import { isZoneOnly } from "../zoneOnly";
import { checkCidr, checkInterfaceName, checkIp, K } from "./values";

function checkSegment(problems: ConfigProblems, name: "management" | "public", segment: NetworkSegmentSettings): void {
    const key = `network.${name}`;
    const cidrOk = checkCidr(problems, `${key}.cidr`, segment.cidr, name === "management" ? "10.15.0.0/24" : "10.10.0.0/24");
    if (checkIp(problems, `${key}.gateway`, segment.gateway, name === "management" ? "10.15.0.1" : "10.10.0.1") && cidrOk) {
        if (!cidrContains(segment.cidr, segment.gateway)) problems.add(K(`${key}.gateway`), segment.gateway, `must lie inside ${segment.cidr}`);
    }
    checkInterfaceName(problems, `${key}.bridge`, segment.bridge);
    segment.routes.forEach((route, i) => {
        if (checkCidr(problems, `${key}.routes[${i}].to`, route.to, "192.168.50.0/24") && cidrOk && cidrsOverlap(route.to, segment.cidr)) {
            // The bridge's own network is on-link; a route "via" a gateway would send neighbours' traffic through it.
            problems.add(K(`${key}.routes[${i}].to`), route.to, `overlaps ${segment.cidr}, the network this bridge is connected to; it needs no route`);
        }
        if (checkIp(problems, `${key}.routes[${i}].via`, route.via, segment.gateway) && cidrOk && !cidrContains(segment.cidr, route.via)) {
            problems.add(K(`${key}.routes[${i}].via`), route.via, `must be a next hop inside ${segment.cidr}`);
        }
    });
}

export function checkNetwork(settings: Settings, problems: ConfigProblems): void {
    if (isZoneOnly(settings)) return;
    const { network } = settings;
    checkSegment(problems, "management", network.management);
    checkSegment(problems, "public", network.public);
    if (network.management.bridge === network.public.bridge) {
        problems.add(K("network.public.bridge"), network.public.bridge, "must differ from network.management.bridge");
    }
    if (isCidr(network.management.cidr) && isCidr(network.public.cidr) && cidrsOverlap(network.management.cidr, network.public.cidr)) {
        problems.add(K("network.public.cidr"), network.public.cidr, `overlaps the management network ${network.management.cidr}; they must be separate networks`);
    }
    network.dnsServers.forEach((dns, i) => checkIp(problems, `network.dnsServers[${i}]`, dns, "8.8.8.8"));
    network.ntpServers.forEach((ntp, i) => {
        if (!isIPv4(ntp) && !isSafe("host", ntp)) problems.add(K(`network.ntpServers[${i}]`), ntp, "expected a host name or IPv4 address");
    });
    network.searchDomains.forEach((d, i) => {
        if (!isSafe("host", d)) problems.add(K(`network.searchDomains[${i}]`), d, "expected a DNS domain");
    });
    if (!isSafe("host", network.domain)) problems.add(K("network.domain"), network.domain, "expected a DNS domain");
    if (network.timezone !== "" && !isTimezone(network.timezone)) {
        problems.add(K("network.timezone"), network.timezone, 'expected a tz database name (case-sensitive) such as "Asia/Seoul", "UTC" or "Etc/GMT-9"; timedatectl refuses names it does not know');
    }
}

/**
 * The tz database names Node's ICU knows (canonical names), plus UTC and the
 * Etc/ zones. Ubuntu's tzdata has all of them; the list is part of the Node
 * binary, so the answer does not depend on the controller's /usr/share/zoneinfo.
 * Deprecated links (US/Eastern) are refused: use the canonical name.
 */
function isTimezone(name: string): boolean {
    if (name === "UTC" || (Intl as unknown as { supportedValuesOf(key: "timeZone"): string[] }).supportedValuesOf("timeZone").includes(name)) return true;
    // ICU accepts any letter case; timedatectl does not, so the Etc/ names are matched exactly here.
    if (!/^Etc\/(UTC|UCT|Universal|Zulu|Greenwich|GMT([+-]\d{1,2})?)$/.test(name)) return false;
    try {
        return new Intl.DateTimeFormat("en", { timeZone: name }) !== undefined;
    } catch {
        return false;
    }
}
