/** NFS storage URLs as CloudStack takes them (nfs://server/path). */
export const nfsUrl = (server: string, path: string) => `nfs://${server}${path.startsWith("/") ? "" : "/"}${path}`;

export function parseNfsUrl(url: string): { server?: string; path?: string } {
    const match = /^nfs:\/\/([^/]+)(\/.*)$/.exec(url);
    return match ? { server: match[1], path: match[2] } : {};
}

export const NFS_PATH = /^\/[A-Za-z0-9._\/-]*$/;
