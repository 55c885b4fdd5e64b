import { describe, expect, it } from "vitest";
import { buildImage } from "../../fixtures/image-writer.js";
import { randomImage } from "../../fixtures/random-image.js";
import { openRegistryImage } from "../../src/inspect/registry/remote-image.js";
import { inspectImage } from "../../src/inspect/facts/collect.js";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

const base = "http://127.0.0.1:5055";
async function putBlob(repo: string, digest: string, body: Buffer) {
  const r = await fetch(`${base}/v2/${repo}/blobs/uploads/`, { method: "POST" });
  const loc = new URL(r.headers.get("location")!, base);
  loc.searchParams.set("digest", digest);
  const p = await fetch(loc, { method: "PUT", body, headers: { "Content-Type": "application/octet-stream" } });
  if (p.status !== 201) throw new Error(`put blob ${p.status} ${await p.text()}`);
}
describe("smoke", () => {
  it("pulls", async () => {
    const img = buildImage(randomImage(3, { layers: 3, filesPerLayer: 20, maxFileSize: 3000 }));
    for (const l of img.layers) await putBlob("smoke/app", l.digest, l.blob);
    await putBlob("smoke/app", img.configDigest, img.config);
    const m = await fetch(`${base}/v2/smoke/app/manifests/1`, { method: "PUT", body: img.manifest, headers: { "Content-Type": img.manifestMediaType } });
    expect(m.status).toBe(201);
    const cacheDir = mkdtempSync(join(tmpdir(), "smoke-cache-"));
    for (let i = 0; i < 2; i++) {
      const events: unknown[] = [];
      const image = await openRegistryImage("127.0.0.1:5055/smoke/app:1", { cacheDir, onProgress: (e) => events.push(e) });
      const facts = await inspectImage(image);
      await image.close();
      expect(facts.image.layers.map((l) => l.diffId)).toEqual(img.layers.map((l) => l.diffId));
      expect(facts.image.digest).toBe(img.manifestDigest);
      console.log(i, events.length, JSON.stringify(events.at(-1)));
    }
    const err = await openRegistryImage("127.0.0.1:5055/smoke/app:2").catch((e) => e);
    console.log(err.message);
    const err2 = await openRegistryImage("127.0.0.1:5055/smoke/nope:2").catch((e) => e);
    console.log(err2.message);
  });
});
