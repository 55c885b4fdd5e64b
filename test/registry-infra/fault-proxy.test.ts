import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createHash } from "node:crypto";
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { buildImage } from "../../fixtures/image-builder.js";
import type { BuiltImage } from "../../fixtures/image-spec.js";
import { TempDirs } from "../../fixtures/test-tools.js";
import { startFaultProxy, type FaultProxy } from "../../fixtures/registry/fault-proxy.js";
import { pushImage, RegistryHttpError } from "../../fixtures/registry/push.js";
import { REGISTRY_MISSING, haveRegistry, startRegistry, stopAllRegistries, type RegistryServer } from "../../fixtures/registry/server.js";
import { runAsync } from "../../fixtures/registry/tools.js";
import { cleanupCurl, curl, haveCurl, haveSkopeo, pidAlive, registryProcessesFor } from "./helpers.js";

const registry = haveRegistry();
if (!registry) console.warn(`${REGISTRY_MISSING}; the fault proxy tests are skipped`);

const temps = new TempDirs();
const proxies: FaultProxy[] = [];
let r: RegistryServer;
let image: BuiltImage;
let blob: BuiltImage["layers"][number];
let blobPath: string;

async function proxy(plan: Parameters<typeof startFaultProxy>[1] = []): Promise<FaultProxy> {
  const p = await startFaultProxy(r.url, plan);
  proxies.push(p);
  return p;
}

/** curl writing the body to a file; returns the curl result and the bytes received. */
async function download(url: string, args: string[] = []): Promise<{ status: number | null; http: number; bytes: Buffer; headers: Record<string, string> }> {
  const out = join(await temps.make("imgpolicy-proxy-"), "body");
  const res = await curl(url, ["-o", out, ...args]);
  const bytes = await readFile(out).catch(() => Buffer.alloc(0));
  return { status: res.status, http: res.http, bytes, headers: res.headers };
}

const sha256 = (b: Buffer) => "sha256:" + createHash("sha256").update(b).digest("hex");

describe.skipIf(!registry || !haveCurl)("startFaultProxy in front of a real registry", () => {
  beforeAll(async () => {
    r = await startRegistry();
    image = buildImage({
      layers: [
        { files: [{ path: "/etc/hostname", content: "fixture\n" }] },
        { files: [{ path: "/data/big.bin", size: 300_000 }] },
      ],
    });
    await pushImage({ url: r.url }, "faults/app", "v1", image);
    blob = image.layers[1]!;
    blobPath = `/v2/faults/app/blobs/${blob.digest}`;
    expect(blob.size).toBeGreaterThan(100_000);
  });

  afterAll(async () => {
    for (const p of proxies) await p.stop();
    await cleanupCurl();
    await temps.cleanup();
    await stopAllRegistries();
    expect(pidAlive(r.pid)).toBe(false);
    expect(await registryProcessesFor(r)).toBe("");
  });

  it("passes requests through unchanged, Location headers included, and records them", async () => {
    const p = await proxy();
    expect(p.host).toMatch(/^127\.0\.0\.1:\d+$/);
    const got = await download(`${p.url}${blobPath}`);
    expect(got.http).toBe(200);
    expect(sha256(got.bytes)).toBe(blob.digest);
    const upload = await curl(`${p.url}/v2/faults/app/blobs/uploads/`, ["-X", "POST"]);
    expect(upload.http).toBe(202);
    expect(upload.headers.location).toMatch(new RegExp(`^http://${p.host}/v2/faults/app/blobs/uploads/`));
    expect(p.hits).toEqual([
      { method: "GET", path: blobPath, status: 200 },
      { method: "POST", path: "/v2/faults/app/blobs/uploads/", status: 202 },
    ]);
    // A push through the proxy works too.
    const other = buildImage({ layers: [{ files: [{ path: "/x", content: "through the proxy" }] }] });
    await pushImage({ url: p.url }, "faults/pushed", "v1", other);
    expect((await curl(`${r.url}/v2/faults/pushed/manifests/v1`, ["-H", `Accept: ${other.manifestMediaType}`])).body).toBe(other.manifest.toString("utf8"));
  });

  it("drops the connection mid-body after N bytes, then passes through", async () => {
    const p = await proxy([{ path: /\/blobs\/sha256:/, method: "GET", times: 1, fault: { kind: "drop", afterBytes: 1000 } }]);
    const cut = await download(`${p.url}${blobPath}`);
    expect(cut.status).toBe(18); // curl: partial file
    expect(cut.http).toBe(200);
    expect(cut.headers["content-length"]).toBe(String(blob.size));
    expect(cut.bytes).toEqual(blob.blob.subarray(0, 1000));
    const whole = await download(`${p.url}${blobPath}`);
    expect(whole.status).toBe(0);
    expect(sha256(whole.bytes)).toBe(blob.digest);
    expect(p.hits.map((h) => [h.status, h.fault])).toEqual([
      [200, "drop"],
      [200, undefined],
    ]);
    expect(p.fired()).toEqual([1]);
  });

  it("drops the connection before any answer", async () => {
    const p = await proxy([{ path: "/v2/", times: 1, fault: { kind: "drop" } }]);
    const res = await curl(`${p.url}/v2/`);
    expect(res.status).toBe(52); // curl: empty reply from server
    expect((await curl(`${p.url}/v2/`)).http).toBe(200);
  });

  it("answers 500 once, then passes through", async () => {
    const p = await proxy([{ path: "/manifests/", times: 1, fault: { kind: "status", status: 500 } }]);
    const accept = ["-H", `Accept: ${image.manifestMediaType}`];
    const first = await curl(`${p.url}/v2/faults/app/manifests/v1`, accept);
    expect(first.http).toBe(500);
    expect(JSON.parse(first.body)).toEqual({ errors: [{ code: "UNKNOWN", message: "injected 500" }] });
    const second = await curl(`${p.url}/v2/faults/app/manifests/v1`, accept);
    expect(second.http).toBe(200);
    expect(second.body).toBe(image.manifest.toString("utf8"));
  });

  it("answers 429 with Retry-After: 1", async () => {
    const p = await proxy([{ path: "/manifests/", times: 2, fault: { kind: "throttle" } }]);
    for (let i = 0; i < 2; i++) {
      const res = await curl(`${p.url}/v2/faults/app/manifests/v1`);
      expect(res.http).toBe(429);
      expect(res.headers["retry-after"]).toBe("1");
      expect(JSON.parse(res.body).errors[0].code).toBe("TOOMANYREQUESTS");
    }
    expect((await curl(`${p.url}/v2/faults/app/manifests/v1`, ["-H", `Accept: ${image.manifestMediaType}`])).http).toBe(200);
  });

  it("stalls past the client's timeout, and stop() cuts stalled connections", async () => {
    const p = await proxy([
      { path: "/manifests/", fault: { kind: "stall" } },
      { path: "/blobs/", fault: { kind: "stall", afterBytes: 500 } },
    ]);
    const t0 = Date.now();
    const res = await curl(`${p.url}/v2/faults/app/manifests/v1`, ["--max-time", "1"]);
    expect(res.status).toBe(28); // curl: operation timed out
    expect(res.http).toBe(0);
    expect(Date.now() - t0).toBeLessThan(10_000);
    const partial = await download(`${p.url}${blobPath}`, ["--max-time", "1"]);
    expect(partial.status).toBe(28);
    expect(partial.http).toBe(200);
    expect(partial.bytes).toEqual(blob.blob.subarray(0, 500));
    // Leave one stalled request open and stop the proxy under it.
    const pending = curl(`${p.url}/v2/faults/app/manifests/v1`, ["--max-time", "20"]);
    await new Promise((resolve) => setTimeout(resolve, 300));
    const s0 = Date.now();
    await p.stop();
    expect(Date.now() - s0).toBeLessThan(2000);
    expect((await pending).status).toBe(52);
  });

  it("serves a blob whose bytes do not match its digest", async () => {
    const p = await proxy([{ path: blob.digest, method: "GET", fault: { kind: "corrupt" } }]);
    const got = await download(`${p.url}${blobPath}`);
    expect(got.status).toBe(0);
    expect(got.http).toBe(200);
    expect(got.bytes.length).toBe(blob.size);
    expect(sha256(got.bytes)).not.toBe(blob.digest);
    const differing = [...got.bytes.keys()].filter((i) => got.bytes[i] !== blob.blob[i]);
    expect(differing).toEqual([blob.size - 1]);

    p.setPlan([{ path: blob.digest, fault: { kind: "corrupt", offset: 10 } }]);
    const early = await download(`${p.url}${blobPath}`);
    expect([...early.bytes.keys()].filter((i) => early.bytes[i] !== blob.blob[i])).toEqual([10]);
  });

  it.skipIf(!haveSkopeo)("makes skopeo notice the digest mismatch", async () => {
    const p = await proxy([{ path: blob.digest, method: "GET", fault: { kind: "corrupt", offset: 100 } }]);
    const dir = join(await temps.make("imgpolicy-proxy-"), "layout");
    const res = await runAsync("skopeo", ["copy", "--quiet", "--src-tls-verify=false", `docker://${p.host}/faults/app:v1`, `oci:${dir}:v1`]);
    expect(res.status).not.toBe(0);
    expect(res.stderr).toMatch(/digest/i);
  });

  it("answers HTML where JSON was expected", async () => {
    const p = await proxy([{ path: "/manifests/", fault: { kind: "html" } }]);
    const res = await curl(`${p.url}/v2/faults/app/manifests/v1`);
    expect(res.http).toBe(200);
    expect(res.headers["content-type"]).toBe("text/html; charset=utf-8");
    expect(res.body.startsWith("<html>")).toBe(true);
    p.setPlan([{ path: "/v2/", fault: { kind: "html", status: 502, body: "<html><body>proxy error</body></html>" } }]);
    const bad = await curl(`${p.url}/v2/`);
    expect(bad.http).toBe(502);
    expect(bad.body).toBe("<html><body>proxy error</body></html>");
  });

  it("answers a custom status, headers and body", async () => {
    const p = await proxy([{ path: /\/tags\/list$/, fault: { kind: "status", status: 418, headers: { "X-Fault": "teapot" }, body: "short and stout" } }]);
    const res = await curl(`${p.url}/v2/faults/app/tags/list`);
    expect(res.http).toBe(418);
    expect(res.headers["x-fault"]).toBe("teapot");
    expect(res.body).toBe("short and stout");
    expect(p.hits).toEqual([{ method: "GET", path: "/v2/faults/app/tags/list", status: 418, fault: "status", rule: 0 }]);
  });

  it("matches by method, skips the first matches when told, and delays", async () => {
    const p = await proxy([
      { method: "HEAD", path: "/blobs/", skip: 1, times: 1, fault: { kind: "status", status: 503 } },
      { method: "GET", path: "/tags/", fault: { kind: "delay", ms: 400 } },
    ]);
    const head = () => curl(`${p.url}${blobPath}`, ["-I"]);
    expect((await head()).http).toBe(200);
    expect((await head()).http).toBe(503);
    expect((await head()).http).toBe(200);
    expect((await download(`${p.url}${blobPath}`)).http).toBe(200); // a GET: the HEAD rule does not match
    const t0 = Date.now();
    const tags = await curl(`${p.url}/v2/faults/app/tags/list`);
    expect(tags.http).toBe(200);
    expect(Date.now() - t0).toBeGreaterThanOrEqual(390);
    expect(p.fired()).toEqual([1, 1]);
  });

  it("makes the push client report injected errors", async () => {
    const p = await proxy([{ method: "PUT", path: "/manifests/", fault: { kind: "status", status: 500 } }]);
    const other = buildImage({ layers: [{ files: [{ path: "/y", content: "never tagged" }] }] });
    const push = pushImage({ url: p.url }, "faults/refused", "v1", other);
    await expect(push).rejects.toBeInstanceOf(RegistryHttpError);
    await expect(push).rejects.toMatchObject({ status: 500, method: "PUT" });
  });

  it("replaces a blob with noise or zeros of the same length", async () => {
    const p = await proxy([{ path: blob.digest, times: 1, fault: { kind: "replace", fill: "random" } }]);
    const noise = await download(`${p.url}${blobPath}`);
    expect(noise.http).toBe(200);
    expect(noise.bytes.length).toBe(blob.size);
    expect(sha256(noise.bytes)).not.toBe(blob.digest);
    expect(noise.bytes[0]).not.toBe(0x1f); // never starts like gzip
    p.setPlan([{ path: blob.digest, fault: { kind: "replace", fill: "zeros", length: 10 } }]);
    const zeros = await download(`${p.url}${blobPath}`);
    expect(zeros.headers["content-length"]).toBe("10");
    expect(zeros.bytes).toEqual(Buffer.alloc(10));
  });

  it("appends bytes to a blob, counted in Content-Length or chunked", async () => {
    const p = await proxy([{ path: blob.digest, times: 1, fault: { kind: "append", bytes: 7 } }]);
    const counted = await download(`${p.url}${blobPath}`);
    expect(counted.headers["content-length"]).toBe(String(blob.size + 7));
    expect(counted.bytes.subarray(0, blob.size)).toEqual(blob.blob);
    expect(counted.bytes.subarray(blob.size)).toEqual(Buffer.alloc(7));
    p.setPlan([{ path: blob.digest, fault: { kind: "append", bytes: 7, contentLength: "none" } }]);
    const chunked = await download(`${p.url}${blobPath}`);
    expect(chunked.headers["content-length"]).toBeUndefined();
    expect(chunked.headers["transfer-encoding"]).toBe("chunked");
    expect(chunked.bytes.length).toBe(blob.size + 7);
  });

  it("sends a body that never ends, and stops when the client goes", async () => {
    const p = await proxy([{ path: blob.digest, fault: { kind: "endless" } }]);
    const got = await download(`${p.url}${blobPath}`, ["--limit-rate", "2M", "--max-time", "1"]);
    expect(got.status).toBe(28); // curl: timed out, the body still going
    expect(got.headers["content-length"]).toBeUndefined();
    expect(got.bytes.length).toBeGreaterThan(blob.size);
    expect(got.bytes.subarray(0, blob.size)).toEqual(blob.blob);
    p.setPlan([{ path: blob.digest, fault: { kind: "endless", bare: true, fill: "random" } }]);
    const bare = await download(`${p.url}${blobPath}`, ["--limit-rate", "2M", "--max-time", "1"]);
    expect(bare.bytes.subarray(0, 100)).not.toEqual(blob.blob.subarray(0, 100));
  });

  it("trickles an answer, declaring its whole length", async () => {
    const p = await proxy([{ path: "/manifests/", fault: { kind: "trickle", everyMs: 100, bytes: 2 } }]);
    const t0 = Date.now();
    const res = await curl(`${p.url}/v2/faults/app/manifests/v1`, ["-H", `Accept: ${image.manifestMediaType}`, "--max-time", "1"]);
    expect(res.status).toBe(28);
    expect(res.headers["content-length"]).toBe(String(image.manifest.length));
    expect(res.body.length).toBeGreaterThan(0);
    expect(res.body.length).toBeLessThanOrEqual(24);
    expect(image.manifest.toString("utf8").startsWith(res.body)).toBe(true);
    expect(Date.now() - t0).toBeLessThan(5000);
  });

  it("redirects, the path appended when the target ends with a slash, and records Authorization", async () => {
    const p = await proxy([
      { path: "/one", fault: { kind: "redirect", to: "http://127.0.0.1:9/elsewhere/" } },
      { path: "/two", fault: { kind: "redirect", to: "http://127.0.0.1:9/exactly", status: 302 } },
    ]);
    const one = await curl(`${p.url}/v2/one?x=1`, ["-H", "Authorization: Basic dGVzdDp0ZXN0"]);
    expect(one.http).toBe(307);
    expect(one.headers.location).toBe("http://127.0.0.1:9/elsewhere/v2/one?x=1");
    const two = await curl(`${p.url}/v2/two`);
    expect(two.http).toBe(302);
    expect(two.headers.location).toBe("http://127.0.0.1:9/exactly");
    expect(p.hits.map((h) => h.authorization)).toEqual(["Basic dGVzdDp0ZXN0", undefined]);
  });

  it("sends the first bytes of an error body that declares its whole length, then stalls", async () => {
    const p = await proxy([{ path: "/manifests/", fault: { kind: "status", status: 401, headers: { "WWW-Authenticate": 'Basic realm="x"' }, stallAfterBytes: 3 } }]);
    const res = await curl(`${p.url}/v2/faults/app/manifests/v1`, ["--max-time", "1"]);
    expect(res.status).toBe(28);
    expect(res.http).toBe(401);
    expect(Number(res.headers["content-length"])).toBeGreaterThan(3);
    expect(res.body).toBe('{"e');
  });

  it("refuses upstreams that are not plain HTTP on loopback", async () => {
    await expect(startFaultProxy("https://127.0.0.1:1")).rejects.toThrow(/plain-HTTP/);
    await expect(startFaultProxy("http://10.0.0.1:5000")).rejects.toThrow(/loopback/);
  });
});
