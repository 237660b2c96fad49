/** The INI inventory as Ansible reads it (import/inventory.ts, import/hostPattern.ts). */
import { expandHostPattern } from "../../import/hostPattern";
import { groupsOfHost, hostsOfGroup, parseIniInventory } from "../../import/inventory";

describe("host ranges", () => {
    test("numbers keep a leading zero's width, letters run in order, a step skips", () => {
        expect(expandHostPattern("kvm-[01:03]")).toEqual(["kvm-01", "kvm-02", "kvm-03"]);
        expect(expandHostPattern("kvm-[8:10]")).toEqual(["kvm-8", "kvm-9", "kvm-10"]);
        expect(expandHostPattern("node-[a:c]")).toEqual(["node-a", "node-b", "node-c"]);
        expect(expandHostPattern("h[1:9:4]")).toEqual(["h1", "h5", "h9"]);
        expect(expandHostPattern("r[1:2]-[a:b]")).toEqual(["r1-a", "r1-b", "r2-a", "r2-b"]);
    });

    test("a range Ansible would refuse is an error naming it", () => {
        expect(() => expandHostPattern("kvm-[03:01]")).toThrow(/kvm-\[03:01\].*start is after the end/);
        expect(() => expandHostPattern("kvm-[1-3]")).toThrow(/kvm-\[1-3\]/);
    });
});

describe("INI inventory", () => {
    const text = [
        "# comment",
        "loose ansible_host=192.0.2.9",
        "[management]",
        'mgmt ansible_host=10.10.0.116 note="two words"',
        "[kvm-hosts]",
        "kvm-[01:02] ansible_user=kvmuser",
        "ssh-odd:2222",
        "[cloudstack:children]",
        "management",
        "kvm-hosts",
        "[cloudstack:vars]",
        "ansible_user=USERNAME",
        "; another comment",
        "ansible_python_interpreter=/usr/bin/python3",
    ].join("\n");
    const inventory = parseIniInventory(text, "inventory/hosts");

    test("hosts with their variables, ranges expanded, host:port as ansible_port", () => {
        expect([...inventory.hosts.keys()]).toEqual(["loose", "mgmt", "kvm-01", "kvm-02", "ssh-odd"]);
        expect(inventory.hosts.get("mgmt")!.vars).toEqual({ ansible_host: "10.10.0.116", note: "two words" });
        expect(inventory.hosts.get("kvm-02")!.vars).toEqual({ ansible_user: "kvmuser" });
        expect(inventory.hosts.get("ssh-odd")!.vars).toEqual({ ansible_port: "2222" });
        expect(inventory.hostVarsAt.get("mgmt")!.ansible_host).toBe("inventory/hosts:4");
    });

    test("groups include their children's hosts; a host's groups list parents first", () => {
        expect(hostsOfGroup(inventory, "cloudstack")).toEqual(["mgmt", "kvm-01", "kvm-02", "ssh-odd"]);
        expect(hostsOfGroup(inventory, "ungrouped")).toEqual(["loose"]);
        expect(groupsOfHost(inventory, "kvm-01")).toEqual(["cloudstack", "kvm-hosts"]);
        expect(inventory.groups.get("cloudstack")!.vars).toEqual({ ansible_user: "USERNAME", ansible_python_interpreter: "/usr/bin/python3" });
        expect(inventory.groups.get("cloudstack")!.varsAt.ansible_user).toBe("inventory/hosts:12");
    });

    test("a line that is not key=value names the file and line, not its text (it may be a password)", () => {
        expect(() => parseIniInventory("[g:vars]\nansible_passwordhunter2\n", "inv")).toThrow(/^inv:2: expected key=value$/);
    });

    test("a group that contains itself is refused", () => {
        expect(() => parseIniInventory("[a:children]\nb\n[b:children]\na\n", "inv")).toThrow(/own ancestor/);
    });
});
