/** The Jinja forms the seed's variables use, and a clear error for any other (import/jinja.ts). */
import { renderTemplate } from "../../import/jinja";

const values: Record<string, unknown> = {
    zone_name: "TEST",
    port: 3306,
    list: ["a", "b"],
    groups: { database: ["cloudstack-db"] },
    hostvars: { "cloudstack-db": { ansible_host: "10.10.0.116" } },
};
const scope = { lookup: (name: string) => values[name] };

describe("template evaluation", () => {
    test("{{ var }}, text around it, and a whole-value expression that keeps its type", () => {
        expect(renderTemplate("{{ zone_name }}", scope, "f:k")).toBe("TEST");
        expect(renderTemplate("zone-{{zone_name}}-x", scope, "f:k")).toBe("zone-TEST-x");
        expect(renderTemplate("{{ port }}", scope, "f:k")).toBe(3306);
        expect(renderTemplate("{{ list }}", scope, "f:k")).toEqual(["a", "b"]);
    });

    test("default() applies only when the variable is undefined", () => {
        expect(renderTemplate("{{ vault_kvm_host_password | default('qhdks') }}", scope, "f:k")).toBe("qhdks");
        expect(renderTemplate('{{ zone_name | default("other") }}', scope, "f:k")).toBe("TEST");
    });

    test("hostvars[groups['database'][0]]['ansible_host']", () => {
        expect(renderTemplate("{{ hostvars[groups['database'][0]]['ansible_host'] }}", scope, "f:k")).toBe("10.10.0.116");
        expect(renderTemplate("{{ hostvars[groups.database[0]].ansible_host }}", scope, "f:k")).toBe("10.10.0.116");
    });

    test("anything else is an error naming file, key and expression", () => {
        expect(() => renderTemplate("{{ zone_name | upper }}", scope, "zone.yml:zone_name")).toThrow(/zone\.yml:zone_name: "\{\{ zone_name \| upper \}\}".*filter "upper"/);
        expect(() => renderTemplate("{{ port + 1 }}", scope, "m.yml:db_port")).toThrow(/m\.yml:db_port.*\+ 1/);
        expect(() => renderTemplate("{% if x %}a{% endif %}", scope, "a.yml:x")).toThrow(/a\.yml:x.*Jinja statements/);
        expect(() => renderTemplate("{{ nowhere }}", scope, "a.yml:y")).toThrow(/a\.yml:y.*not defined/);
        expect(() => renderTemplate("{{ zone_name ", scope, "a.yml:z")).toThrow(/a\.yml:z.*without "\}\}"/);
    });
});
