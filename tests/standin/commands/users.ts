/**
 * Users and keys (AccountManagerImpl): listUsers, getUserKeys,
 * registerUserKeys (every call makes a new pair and invalidates the old one),
 * updateUser (a root admin needs no current password), listCapabilities.
 */
import * as crypto from "crypto";
import { Commands, existing, filterRows, list, object, ref } from "../command";
import { paramError } from "../errors";
import { hashPassword, passwordMatches, UserRow } from "../store";

function renderUser(user: UserRow) {
    return {
        id: user.id,
        username: user.username,
        account: user.account,
        accounttype: user.accounttype,
        roletype: user.accounttype === 1 ? "Admin" : "User",
        domain: "ROOT",
        state: user.state,
        apikey: user.apikey,
        created: user.created,
    };
}

/** URL-safe Base64 of 64 random bytes, like createUserApiKey. */
const newKey = () => crypto.randomBytes(64).toString("base64").replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");

export const userCommands: Commands = {
    listCapabilities: {
        run: () => object("capability", { cloudstackversion: "4.19.3.0", apilimitinterval: 1, apilimitmax: 0, allowusercreateprojects: true, kvmsnapshotenabled: false }),
    },
    listUsers: {
        optional: "id username account accounttype domainid state keyword listall isrecursive page pagesize showicon usersource",
        run(ctx) {
            // server/src/main/java/com/cloud/api/query/QueryManagerImpl.java@4.19.3.0:700,728 (buildACLSearchParameters):
            // with listall=true an admin sees every domain's users; otherwise its own domain's, and its subdomains' with isrecursive=true.
            const listAll = ctx.params.listall === "true";
            const recursive = ctx.params.isrecursive === "true";
            const home = ctx.user.domainPath;
            const visible = (path: string) => listAll || path === home || (recursive && path.startsWith(home));
            const rows = filterRows(ctx, ctx.data.users, { username: "username", account: "account", state: "state" }).filter((u) => visible(u.domainPath));
            return list("user", rows.map(renderUser));
        },
    },
    getUserKeys: {
        required: "id",
        run(ctx) {
            const user = existing(ref(ctx, "id", ctx.data.users), "User");
            return object("userkeys", user.apikey ? { apikey: user.apikey, secretkey: user.secretkey } : {});
        },
    },
    registerUserKeys: {
        required: "id",
        run(ctx) {
            const user = existing(ref(ctx, "id", ctx.data.users), "User");
            user.apikey = newKey();
            user.secretkey = newKey();
            return object("userkeys", { apikey: user.apikey, secretkey: user.secretkey });
        },
    },
    updateUser: {
        required: "id",
        optional: "password currentpassword email firstname lastname username timezone usersecretkey userapikey mandate2fa",
        run(ctx) {
            const { params } = ctx;
            const user = existing(ref(ctx, "id", ctx.data.users), "User");
            if (params.password !== undefined) {
                if (params.password === "") throw paramError("Password cannot be empty");
                const callerIsAdmin = ctx.user.accounttype === 1;
                if (!callerIsAdmin && (!params.currentpassword || !passwordMatches(user.passwordHash, params.currentpassword))) {
                    throw paramError("To set a new password the current password must be provided.");
                }
                user.passwordHash = hashPassword(params.password);
            }
            if (params.username !== undefined) user.username = params.username;
            return object("user", renderUser(user));
        },
    },
};
