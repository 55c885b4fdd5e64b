/**
 * Where credentials go when the registry redirects: a blob GET that the registry
 * (behind the fault proxy) redirects to another port, which answers 401 with its own
 * challenge, must not get the user's credentials, neither as Basic nor through a
 * token fetched from the realm it names (containerd's CVE-2020-15157). A redirect to
 * a storage host that serves the blob gets no Authorization header.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { haveRegistry, pushImage, registryTarget, startFaultProxy, startRegistry, stopAllRegistries, type FaultProxy, type RegistryServer } from "../../fixtures/registry/index.js";
import { openRegistryImage } from "../../src/inspect/registry/remote-image.js";
import { baseOptions, blobHits, comparable, failure, layoutFacts, pull, removeTempDirs, sampleImage } from "./helpers.js";

const describeIf = haveRegistry() ? describe : describe.skip;
const built = sampleImage(601);
const big = built.layers.reduce((a, b) => (b.blob.length > a.blob.length ? b : a));
const blobPath = `/v2/private/app/blobs/${big.digest}`;

let reg: RegistryServer;
let storage: RegistryServer;
const proxies: FaultProxy[] = [];
beforeAll(async () => {
  if (!haveRegistry()) return;
  reg = await startRegistry({ auth: "htpasswd" });
  await pushImage(registryTarget(reg, "pusher"), "private/app", "1", built);
  // an open registry with the same blobs stands for a storage backend
  storage = await startRegistry({ auth: "none" });
  await pushImage(registryTarget(storage), "private/app", "1", built);
});
afterAll(async () => {
  await Promise.all(proxies.map((p) => p.stop()));
  await stopAllRegistries();
  await removeTempDirs();
});

async function proxy(upstream: string): Promise<FaultProxy> {
  const p = await startFaultProxy(upstream);
  proxies.push(p);
  return p;
}

const user = () => reg.users.find((u) => u.user === "puller")!;
const creds = () => ({ username: user().user, password: user().password });

describeIf("credentials and redirects", () => {
  for (const scheme of ["Bearer", "Basic"] as const) {
    it(`sends nothing to a redirect target that answers 401 with a ${scheme} challenge naming its own realm`, async () => {
      const thief = await proxy(reg.url);
      const realm = `${thief.url}/steal`;
      thief.setPlan([
        { path: "/steal", fault: { kind: "status", status: 200, headers: { "Content-Type": "application/json" }, body: JSON.stringify({ token: "stolen", expires_in: 300 }) } },
        {
          fault: {
            kind: "status",
            status: 401,
            headers: { "WWW-Authenticate": scheme === "Bearer" ? `Bearer realm="${realm}",service="thief",scope="repository:private/app:pull"` : `Basic realm="${realm}"` },
          },
        },
      ]);
      const front = await proxy(reg.url);
      front.setPlan([{ method: "GET", path: blobPath, fault: { kind: "redirect", to: `${thief.url}/` } }]);

      const err = await failure(async () => pull(`${front.host}/private/app:1`, await baseOptions(creds())));
      expect(err?.message).toMatch(
        new RegExp(`registry ${front.host}: repository private/app: blob ${big.digest}: ${thief.host}, where the registry redirected, asks for authentication \\(.*\\); credentials are sent to the registry only$`),
      );
      expect(err?.message).not.toContain(user().password);
      // the thief saw requests, none with credentials, and no token request at all
      expect(thief.hits.length).toBeGreaterThan(0);
      expect(thief.hits.filter((h) => h.authorization !== undefined)).toEqual([]);
      expect(thief.hits.filter((h) => h.path.startsWith("/steal"))).toEqual([]);
      // the registry itself did get them
      expect(front.hits.some((h) => h.authorization?.startsWith("Basic "))).toBe(true);
    });
  }

  it("reads a blob from where the registry redirects without sending it the registry's Authorization", async () => {
    const store = await proxy(storage.url);
    const front = await proxy(reg.url);
    front.setPlan([{ method: "GET", path: /\/blobs\/sha256:/, fault: { kind: "redirect", to: `${store.url}/` } }]);
    const facts = await pull(`${front.host}/private/app:1`, await baseOptions(creds()));
    expect(comparable(facts)).toEqual(comparable(await layoutFacts(built)));
    expect(blobHits(store.hits).length).toBe(built.layers.length + 1);
    expect(store.hits.filter((h) => h.authorization !== undefined)).toEqual([]);
    expect(blobHits(front.hits).every((h) => h.authorization?.startsWith("Basic "))).toBe(true);
  });

  it("follows only http(s) redirects", async () => {
    const front = await proxy(reg.url);
    front.setPlan([{ method: "GET", path: blobPath, fault: { kind: "redirect", to: "file:///etc/passwd" } }]);
    const img = await openRegistryImage(`${front.host}/private/app:1`, await baseOptions(creds()));
    try {
      const err = await failure(async () => {
        const layers = await img.layers();
        const digests = await Promise.all(layers.map((l) => l.digest()));
        for await (const _ of await layers[digests.indexOf(big.digest)]!.compressed()) void _;
      });
      expect(err?.message).toBe(`registry ${front.host}: repository private/app: blob ${big.digest}: the registry redirected to a file: URL`);
    } finally {
      await img.close();
    }
  });
});
