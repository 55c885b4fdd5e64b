/** The client against small fake servers, for what a real registry does not readily show. */
import { createHash } from "node:crypto";
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { afterEach, describe, expect, it } from "vitest";
import { blobStream, Semaphore } from "./blob-stream.js";
import { RegistryClient } from "./client.js";
import type { Credentials } from "./docker-config.js";
import { Transport } from "./transport.js";

type Handler = (req: IncomingMessage, res: ServerResponse, body: string) => void;
const servers: Server[] = [];
const transports: Transport[] = [];

async function serve(handler: Handler): Promise<string> {
  const server = createServer((req, res) => {
    let body = "";
    req.on("data", (c: Buffer) => (body += c.toString()));
    req.on("end", () => handler(req, res, body));
  });
  servers.push(server);
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  return `127.0.0.1:${(server.address() as AddressInfo).port}`;
}

afterEach(async () => {
  for (const t of transports.splice(0)) t.close();
  await Promise.all(servers.splice(0).map((s) => new Promise((r) => { s.closeAllConnections(); s.close(r); })));
});

function client(host: string, creds?: Credentials): RegistryClient {
  const transport = new Transport({ idleTimeoutMs: 2000, connectTimeoutMs: 2000 });
  transports.push(transport);
  return new RegistryClient(host, "team/app", { transport, allowHttp: true, credentials: async () => creds, retry: { baseDelayMs: 5, maxDelayMs: 10 } });
}

async function collect(s: NodeJS.ReadableStream): Promise<Buffer> {
  const out: Buffer[] = [];
  for await (const c of s) out.push(c as Buffer);
  return Buffer.concat(out);
}

const json = (res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}) => {
  res.writeHead(status, { "Content-Type": "application/json", ...headers });
  res.end(JSON.stringify(body));
};

describe("RegistryClient", () => {
  it("answers a Basic challenge that comes only with the first resource, and keeps credentials off redirects to other hosts", async () => {
    const seen: { where: string; auth?: string }[] = [];
    const cdn = await serve((req, res) => {
      seen.push({ where: "cdn", ...(req.headers.authorization ? { auth: req.headers.authorization } : {}) });
      res.end("blob bytes");
    });
    const host = await serve((req, res) => {
      seen.push({ where: req.url!, ...(req.headers.authorization ? { auth: req.headers.authorization } : {}) });
      if (req.url === "/v2/") return json(res, 200, {});
      if (!req.headers.authorization) return json(res, 401, { errors: [{ code: "UNAUTHORIZED", message: "authentication required" }] }, { "WWW-Authenticate": 'Basic realm="r"' });
      res.writeHead(307, { Location: `http://${cdn}/signed?x=1` });
      res.end();
    });
    const c = client(host, { username: "u", password: "p" });
    const res = await c.get("/v2/team/app/blobs/sha256:x", { what: "blob x" });
    expect(await collect(res)).toEqual(Buffer.from("blob bytes"));
    const basic = `Basic ${Buffer.from("u:p").toString("base64")}`;
    expect(seen).toEqual([{ where: "/v2/" }, { where: "/v2/team/app/blobs/sha256:x" }, { where: "/v2/team/app/blobs/sha256:x", auth: basic }, { where: "cdn" }]);
  });

  it("resumes a dropped blob when the registry ignores Range, skipping what it already passed on", async () => {
    const blob = Buffer.alloc(200_000, 7);
    for (let i = 0; i < blob.length; i++) blob[i] = (i * 31) & 0xff;
    const digest = "sha256:" + createHash("sha256").update(blob).digest("hex");
    let calls = 0;
    const ranges: (string | undefined)[] = [];
    const host = await serve((req, res) => {
      if (req.url === "/v2/") return json(res, 200, {});
      calls++;
      ranges.push(req.headers.range);
      res.writeHead(200, { "Content-Length": String(blob.length), "Content-Type": "application/octet-stream" });
      if (calls === 1) {
        res.write(blob.subarray(0, 70_000), () => res.socket?.destroy());
        return;
      }
      res.end(blob);
    });
    const got = await collect(blobStream(client(host), { digest, size: blob.length, slots: new Semaphore(2) }));
    expect(got.equals(blob)).toBe(true);
    expect(calls).toBe(2);
    expect(ranges[0]).toBeUndefined();
    expect(ranges[1]).toMatch(/^bytes=\d+-$/);
  });

  it("trades an identity token for an access token by POST, and uses a registry token as is", async () => {
    const posts: string[] = [];
    const auth = await serve((req, res, body) => {
      posts.push(`${req.method} ${body}`);
      json(res, 200, { access_token: "acc-1" });
    });
    const host = await serve((req, res) => {
      if (req.headers.authorization === "Bearer acc-1" || req.headers.authorization === "Bearer given") return json(res, 200, { ok: true });
      json(res, 401, {}, { "WWW-Authenticate": `Bearer realm="http://${auth}/token",service="svc"` });
    });
    const res = await client(host, { identityToken: "refresh-xyz" }).get("/v2/team/app/manifests/1", { what: "tag 1" });
    expect(res.statusCode).toBe(200);
    res.resume();
    expect(posts).toHaveLength(1);
    const form = new URLSearchParams(posts[0]!.slice(5));
    expect(posts[0]!.startsWith("POST ")).toBe(true);
    expect(Object.fromEntries(form)).toEqual({ grant_type: "refresh_token", refresh_token: "refresh-xyz", client_id: "imgpolicy", scope: "repository:team/app:pull", service: "svc" });
    const direct = await client(host, { registryToken: "given" }).get("/v2/team/app/manifests/1", { what: "tag 1" });
    expect(direct.statusCode).toBe(200);
    direct.resume();
    expect(posts).toHaveLength(1);
  });

  it("never sends credentials to a plain-HTTP token server that is not loopback nor allowed by the registry's options", async () => {
    let tokenAsks = 0;
    const auth = await serve((_req, res) => {
      tokenAsks++;
      json(res, 200, { token: "t" });
    });
    const port = auth.slice(auth.lastIndexOf(":") + 1);
    let realm = `http://registry-auth.example:${port}/token`;
    const host = await serve((req, res) => {
      if (req.headers.authorization === "Bearer t") return json(res, 200, {});
      json(res, 401, {}, { "WWW-Authenticate": `Bearer realm="${realm}"` });
    });
    const creds = { username: "alice", password: "hunter2pass" };
    await expect(client(host, creds).get("/v2/team/app/manifests/1", { what: "tag 1" })).rejects.toThrow(
      `the token server http://registry-auth.example:${port}, which the registry's challenge names, is plain HTTP: the credentials are not sent in clear`,
    );
    await expect(client(host, { identityToken: "refresh-xyz" }).get("/v2/team/app/manifests/1", { what: "tag 1" })).rejects.toThrow("not sent in clear");
    // the registry's options decide over the default (here: not even loopback)
    realm = `http://${auth}/token`;
    const transport = new Transport({ idleTimeoutMs: 2000, connectTimeoutMs: 2000 });
    transports.push(transport);
    const strict = new RegistryClient(host, "team/app", { transport, allowHttp: true, httpAllowed: () => false, credentials: async () => creds });
    await expect(strict.get("/v2/team/app/manifests/1", { what: "tag 1" })).rejects.toThrow("not sent in clear");
    expect(tokenAsks).toBe(0);
    // a loopback token server may be plain HTTP
    const res = await client(host, creds).get("/v2/team/app/manifests/1", { what: "tag 1" });
    expect(res.statusCode).toBe(200);
    res.resume();
    expect(tokenAsks).toBe(1);
  });

  it("keeps a token for its lifetime (60 s when the server names none) and shares one fetch between concurrent requests", async () => {
    let issued = 0;
    const auth = await serve((_req, res) => {
      issued++;
      setTimeout(() => json(res, 200, { token: `t${issued}` }), 50);
    });
    const host = await serve((req, res) => {
      if (req.headers.authorization?.startsWith("Bearer t")) return json(res, 200, {});
      json(res, 401, {}, { "WWW-Authenticate": `Bearer realm="http://${auth}/token"` });
    });
    const c = client(host);
    const all = await Promise.all([1, 2, 3, 4].map((i) => c.get(`/v2/team/app/manifests/${i}`, { what: `tag ${i}` })));
    for (const r of all) r.resume();
    await (await c.get("/v2/team/app/manifests/5", { what: "tag 5" })).resume();
    expect(issued).toBe(1);
  });

  it("turns a registry's error body into one line naming what was asked", async () => {
    const host = await serve((req, res) => {
      if (req.url === "/v2/") return json(res, 200, {});
      json(res, 404, { errors: [{ code: "NAME_UNKNOWN", message: "repository name not known to registry", detail: { name: "team/app" } }] });
    });
    await expect(client(host).get("/v2/team/app/manifests/1.4.2", { what: "tag 1.4.2" })).rejects.toThrow(
      `registry ${host}: repository team/app: repository name not known to registry (tag 1.4.2)`,
    );
  });

  it("hides a token the registry's words echo, though it is not one this client sent", async () => {
    const leaked = "ghp_" + "Zx9Yw8Vu7Ts6Rq5Po4Nm3Lk2Ji1Hg0Fe9Dc8Ba7";
    const host = await serve((req, res) => {
      if (req.url === "/v2/") return json(res, 200, {});
      json(res, 403, { errors: [{ code: "DENIED", message: `token ${leaked} of another user is not allowed (Authorization: Bearer opaqueT0kenValue123456789, password=Hunter2Pass9)` }] });
    });
    const err = await client(host).get("/v2/team/app/manifests/1", { what: "tag 1" }).then(
      () => new Error("no error"),
      (e: unknown) => e as Error,
    );
    for (const raw of [leaked, "opaqueT0kenValue123456789", "Hunter2Pass9"]) expect(err.message).not.toContain(raw);
    expect(err.message).toContain("token gh… of another user is not allowed");
  });

  it("says when /v2/ is not a registry", async () => {
    const host = await serve((_req, res) => json(res, 404, { message: "no" }));
    await expect(client(host).base()).rejects.toThrow(`registry ${host}: not a registry (GET /v2/: HTTP 404 not found: {"message":"no"})`);
  });
});
