import { afterAll, describe, expect, it } from "vitest";
import { X509Certificate, verify } from "node:crypto";
import { readFile } from "node:fs/promises";
import { pushImage, registryTarget, RegistryHttpError, rawRequest } from "../../fixtures/registry/push.js";
import { REGISTRY_MISSING, haveRegistry, startRegistry, stopAllRegistries, type RegistryServer } from "../../fixtures/registry/server.js";
import { libtrustKeyId, parseScope, startTokenServer, type TokenServer } from "../../fixtures/registry/token-server.js";
import { cleanupCurl, curl, haveCurl, pidAlive, registryProcessesFor, smallImage } from "./helpers.js";

const registry = haveRegistry();
if (!registry) console.warn(`${REGISTRY_MISSING}; token tests against the registry are skipped`);

const servers: TokenServer[] = [];
const registries: RegistryServer[] = [];
async function tokenServer(opts: Parameters<typeof startTokenServer>[0] = {}): Promise<TokenServer> {
  const s = await startTokenServer(opts);
  servers.push(s);
  return s;
}
async function start(opts: Parameters<typeof startRegistry>[0]): Promise<RegistryServer> {
  const s = await startRegistry(opts);
  registries.push(s);
  return s;
}

afterAll(async () => {
  await cleanupCurl();
  for (const s of servers) await s.stop();
  await stopAllRegistries();
  for (const r of registries) {
    expect(pidAlive(r.pid)).toBe(false);
    expect(await registryProcessesFor(r)).toBe("");
  }
});

interface TokenAnswer {
  token?: string;
  access_token?: string;
  expires_in: number;
  issued_at: string;
  refresh_token?: string;
}

async function getToken(server: TokenServer, query: string, creds?: string): Promise<{ status: number; body: TokenAnswer; headers: Record<string, string> }> {
  const r = await rawRequest("GET", new URL(`${server.realm}?${query}`), {
    headers: creds ? { Authorization: "Basic " + Buffer.from(creds).toString("base64") } : {},
  });
  const headers: Record<string, string> = {};
  for (const [k, v] of Object.entries(r.headers)) if (typeof v === "string") headers[k] = v;
  return { status: r.status, body: JSON.parse(r.body.toString("utf8")) as TokenAnswer, headers };
}

describe("parseScope and libtrustKeyId", () => {
  it("splits scopes whose names hold a port", () => {
    expect(parseScope("repository:127.0.0.1:5000/a/b:pull,push")).toEqual({
      type: "repository",
      name: "127.0.0.1:5000/a/b",
      actions: ["pull", "push"],
    });
    expect(parseScope("repository(plugin):x:pull")).toEqual({ type: "repository", name: "x", actions: ["pull"] });
    expect(parseScope("nonsense")).toBeUndefined();
  });

  it("formats key IDs as 12 groups of 4 base32 characters", async () => {
    const s = await tokenServer();
    const pem = await readFile(s.rootCertBundle, "utf8");
    const id = libtrustKeyId(new X509Certificate(pem).publicKey);
    expect(id).toMatch(/^([A-Z2-7]{4}:){11}[A-Z2-7]{4}$/);
  });
});

describe("startTokenServer", () => {
  it("issues ES256 tokens with an x5c chain that verifies up to the bundle's CA", async () => {
    const s = await tokenServer({ expiresIn: 42 });
    const r = await getToken(s, `service=${s.service}&scope=repository:lib/app:pull,push`, "pusher:pusher-secret");
    expect(r.status).toBe(200);
    expect(r.body.expires_in).toBe(42);
    expect(r.body.token).toBe(r.body.access_token);
    const token = r.body.token!;
    const { header, claims } = s.decode(token);
    expect(header.alg).toBe("ES256");
    expect(header.typ).toBe("JWT");
    expect(Array.isArray(header.x5c)).toBe(true);
    expect(claims).toMatchObject({
      iss: s.issuer,
      aud: s.service, // a string: Distribution 2.8 refuses an array here
      sub: "pusher",
      access: [{ type: "repository", name: "lib/app", actions: ["pull", "push"] }],
    });
    expect((claims.exp as number) - (claims.iat as number)).toBe(42);

    const leaf = new X509Certificate(Buffer.from((header.x5c as string[])[0]!, "base64"));
    const ca = new X509Certificate(await readFile(s.rootCertBundle, "utf8"));
    expect(leaf.checkIssued(ca)).toBe(true);
    expect(leaf.verify(ca.publicKey)).toBe(true);
    const [h, c, sig] = token.split(".");
    const ok = verify("sha256", Buffer.from(`${h}.${c}`), { key: leaf.publicKey, dsaEncoding: "ieee-p1363" }, Buffer.from(sig!, "base64url"));
    expect(ok).toBe(true);
    expect(Buffer.from(sig!, "base64url")).toHaveLength(64); // JOSE r||s, not DER
  });

  it("issues RS256 tokens naming their key by libtrust kid, with that key's certificate in the bundle", async () => {
    const s = await tokenServer({ alg: "RS256", keyId: "kid" });
    const r = await getToken(s, `service=${s.service}`, "pusher:pusher-secret");
    const { header } = s.decode(r.body.token!);
    expect(header.alg).toBe("RS256");
    expect(header.x5c).toBeUndefined();
    const cert = new X509Certificate(await readFile(s.rootCertBundle, "utf8"));
    expect(header.kid).toBe(libtrustKeyId(cert.publicKey));
  });

  it("grants the intersection of what is asked and what the user may do", async () => {
    const s = await tokenServer({
      users: [
        { user: "ro", password: "x", access: ["pull"] },
        { user: "team", password: "y", access: (type, name) => (type === "repository" && name.startsWith("team/") ? ["pull", "push"] : type === "registry" ? ["*"] : []) },
      ],
    });
    const ro = await getToken(s, "scope=repository:a:pull,push&scope=repository:b:push", "ro:x");
    expect(s.decode(ro.body.token!).claims.access).toEqual([{ type: "repository", name: "a", actions: ["pull"] }]);
    const team = await getToken(s, "scope=repository:team/x:pull,push,delete repository:other:pull&scope=registry:catalog:*", "team:y");
    expect(s.decode(team.body.token!).claims.access).toEqual([
      { type: "repository", name: "team/x", actions: ["pull", "push"] },
      { type: "registry", name: "catalog", actions: ["*"] },
    ]);
    expect(s.requests.map((q) => q.user)).toEqual(["ro", "team"]);
  });

  it("refuses wrong passwords, unknown users, other services and (by default) anonymous requests", async () => {
    const s = await tokenServer();
    expect((await getToken(s, "scope=repository:a:pull", "pusher:nope")).status).toBe(401);
    expect((await getToken(s, "scope=repository:a:pull", "mallory:pusher-secret")).status).toBe(401);
    const anon = await getToken(s, "scope=repository:a:pull");
    expect(anon.status).toBe(401);
    expect(anon.headers["www-authenticate"]).toMatch(/^Basic realm=/);
    expect((await getToken(s, "service=elsewhere", "pusher:pusher-secret")).status).toBe(400);
    expect(s.issued).toBe(0);
    expect(s.requests.map((r) => r.status)).toEqual([401, 401, 401, 400]);
  });

  it("grants anonymous access when told to", async () => {
    const s = await tokenServer({ anonymous: ["pull"] });
    const r = await getToken(s, "scope=repository:pub:pull,push");
    expect(r.status).toBe(200);
    expect(s.decode(r.body.token!).claims).toMatchObject({ sub: "", access: [{ name: "pub", actions: ["pull"] }] });
    expect(s.issuedByUser.get("")).toBe(1);
  });

  it("counts tokens, changes lifetimes, fails on demand and resets", async () => {
    const s = await tokenServer({ tokenField: "access_token" });
    const first = await getToken(s, "", "puller:puller-secret");
    expect(first.body.token).toBeUndefined();
    expect(first.body.access_token).toBeDefined();
    s.expiresIn = 2;
    const second = await getToken(s, "", "puller:puller-secret");
    expect(second.body.expires_in).toBe(2);
    s.failNext(2, 500);
    expect((await getToken(s, "", "puller:puller-secret")).status).toBe(500);
    expect((await getToken(s, "", "puller:puller-secret")).status).toBe(500);
    expect((await getToken(s, "", "pusher:pusher-secret")).status).toBe(200);
    expect(s.issued).toBe(3);
    expect(s.issuedByUser.get("puller")).toBe(2);
    expect(s.issuedByUser.get("pusher")).toBe(1);
    s.issueExpired = true;
    const expired = s.decode((await getToken(s, "", "pusher:pusher-secret")).body.access_token!).claims;
    expect(expired.exp as number).toBeLessThan(Date.now() / 1000 - 60);
    s.reset();
    expect(s.issued).toBe(0);
    expect(s.requests).toEqual([]);
  });

  it("answers the OAuth2 POST form with password and refresh_token grants", async () => {
    const s = await tokenServer();
    const form = (fields: Record<string, string>) => Buffer.from(new URLSearchParams(fields).toString());
    const post = async (fields: Record<string, string>) => {
      const r = await rawRequest("POST", new URL(s.realm), {
        body: form(fields),
        headers: { "Content-Type": "application/x-www-form-urlencoded" },
      });
      return { status: r.status, body: JSON.parse(r.body.toString("utf8")) as TokenAnswer };
    };
    const pw = await post({ grant_type: "password", username: "pusher", password: "pusher-secret", service: s.service, scope: "repository:a:pull", access_type: "offline", client_id: "test" });
    expect(pw.status).toBe(200);
    expect(pw.body.refresh_token).toBeDefined();
    const refreshed = await post({ grant_type: "refresh_token", refresh_token: pw.body.refresh_token!, service: s.service, scope: "repository:a:push" });
    expect(refreshed.status).toBe(200);
    expect(s.decode(refreshed.body.access_token!).claims).toMatchObject({ sub: "pusher", access: [{ name: "a", actions: ["push"] }] });
    expect((await post({ grant_type: "refresh_token", refresh_token: "bogus" })).status).toBe(401);
    expect((await post({ grant_type: "password", username: "pusher", password: "bad" })).status).toBe(401);
  });
});

describe.skipIf(!registry || !haveCurl)("token auth against the real registry", () => {
  it("lets the pull-only user pull and denies its push", async () => {
    const r = await start({ auth: "token" });
    const image = smallImage();
    await pushImage(registryTarget(r, "pusher"), "lib/app", "v1", image);

    // The pull-only user reads the manifest with its token...
    const t = await getToken(r.token!, `service=${r.token!.service}&scope=repository:lib/app:pull,push`, "puller:puller-secret");
    expect(r.token!.decode(t.body.token!).claims.access).toEqual([{ type: "repository", name: "lib/app", actions: ["pull"] }]);
    const pull = await curl(`${r.url}/v2/lib/app/manifests/v1`, ["-H", `Authorization: Bearer ${t.body.token}`, "-H", `Accept: ${image.manifestMediaType}`]);
    expect(pull.http).toBe(200);
    expect(pull.body).toBe(image.manifest.toString("utf8"));
    // ...but starting an upload with it is refused for want of scope.
    const upload = await curl(`${r.url}/v2/lib/app/blobs/uploads/`, ["-X", "POST", "-H", `Authorization: Bearer ${t.body.token}`]);
    expect(upload.http).toBe(401);
    expect(upload.headers["www-authenticate"]).toContain('error="insufficient_scope"');
    // the registry lists the actions in no fixed order (pull,push or push,pull)
    expect(upload.headers["www-authenticate"]).toMatch(/scope="repository:lib\/app:(pull,push|push,pull)"/);

    // And the push client gives up with a 401 after asking for a new token once.
    const denied = pushImage(registryTarget(r, "puller"), "lib/app", "v2", smallImage("amd64", "other"));
    await expect(denied).rejects.toBeInstanceOf(RegistryHttpError);
    await expect(denied).rejects.toMatchObject({ status: 401 });
  });

  it("accepts RS256 tokens identified by kid", async () => {
    const r = await start({ auth: "token", token: { alg: "RS256", keyId: "kid" } });
    const result = await pushImage(registryTarget(r, "pusher"), "kid/app", "v1", smallImage());
    expect(result.uploaded).toBe(3);
    expect(r.token!.issued).toBeGreaterThan(0);
  });

  it("rejects tokens past their expiry with invalid_token", async () => {
    const r = await start({ auth: "token" });
    r.token!.issueExpired = true;
    const t = await getToken(r.token!, `service=${r.token!.service}`, "pusher:pusher-secret");
    const res = await curl(`${r.url}/v2/`, ["-H", `Authorization: Bearer ${t.body.token}`]);
    expect(res.http).toBe(401);
    expect(res.headers["www-authenticate"]).toContain('error="invalid_token"');
    r.token!.issueExpired = false;
    const fresh = await getToken(r.token!, `service=${r.token!.service}`, "pusher:pusher-secret");
    expect((await curl(`${r.url}/v2/`, ["-H", `Authorization: Bearer ${fresh.body.token}`])).http).toBe(200);
  });

  it("rejects tokens signed by a key the registry does not trust", async () => {
    const r = await start({ auth: "token" });
    const stranger = await tokenServer({ service: r.token!.service, issuer: r.token!.issuer });
    const t = await getToken(stranger, `service=${r.token!.service}`, "pusher:pusher-secret");
    const res = await curl(`${r.url}/v2/`, ["-H", `Authorization: Bearer ${t.body.token}`]);
    expect(res.http).toBe(401);
    expect(res.headers["www-authenticate"]).toContain('error="invalid_token"');
  });
});
