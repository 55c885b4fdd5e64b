import { describe, expect, it } from "vitest";
import { UsageError } from "../errors.js";
import { MAX_SHARDS, parseShard, shardKey, shardOf } from "./image-list-shard.js";

describe("parseShard", () => {
  it("reads K/N, spaces allowed", () => {
    expect(parseShard("2/3")).toEqual({ index: 2, count: 3 });
    expect(parseShard(" 1 / 1 ")).toEqual({ index: 1, count: 1 });
    expect(parseShard(`${MAX_SHARDS}/${MAX_SHARDS}`)).toEqual({ index: MAX_SHARDS, count: MAX_SHARDS });
  });

  it.each([
    ["3", "--shard: expected K/N, shard K of N (e.g. 2/3), found '3'"],
    ["a/b", "--shard: expected K/N, shard K of N (e.g. 2/3), found 'a/b'"],
    ["1/3/4", "--shard: expected K/N, shard K of N (e.g. 2/3), found '1/3/4'"],
    ["-1/3", "--shard: expected K/N, shard K of N (e.g. 2/3), found '-1/3'"],
    ["1.5/3", "--shard: expected K/N, shard K of N (e.g. 2/3), found '1.5/3'"],
    ["0/3", "--shard: K is the shard to check, 1 to N (3), found '0/3'"],
    ["4/3", "--shard: K is the shard to check, 1 to N (3), found '4/3'"],
    ["1/0", "--shard: N is the number of shards, 1 to 1000, found '1/0'"],
    ["1/1001", "--shard: N is the number of shards, 1 to 1000, found '1/1001'"],
    ["1/99999999999", "--shard: expected K/N, shard K of N (e.g. 2/3), found '1/99999999999'"],
  ])("refuses %s as a usage error", (text, message) => {
    expect(() => parseShard(text)).toThrow(UsageError);
    expect(() => parseShard(text)).toThrow(message);
  });
});

describe("shardKey", () => {
  it("makes one key of the spellings of one image, without looking anything up", () => {
    const nginx = "docker.io/library/nginx:latest";
    for (const r of ["nginx", "nginx:latest", "docker.io/library/nginx", "docker://nginx", "docker:nginx", "docker-daemon:nginx:latest", ` ${nginx} `]) expect(shardKey(r), r).toBe(nginx);
    expect(shardKey("oci:./build/a/../api:1.4.2")).toBe("oci:build/api:1.4.2");
    expect(shardKey("oci-archive:build/api.tar")).toBe("oci:build/api.tar");
    expect(shardKey("./build/x/../app.tar")).toBe("build/app.tar");
    expect(shardKey("/abs//app.tar")).toBe("/abs/app.tar");
    // not a valid reference: used as written
    expect(shardKey("UPPER/Case")).toBe("UPPER/Case");
  });
});

describe("shardOf", () => {
  it("is the same split on every machine and run: sha256 of the reference, nothing else", () => {
    // written down once; a change here moves images between the shards of running CI setups
    expect([2, 3, 5].map((n) => shardOf("nginx", n))).toEqual([1, 1, 5]);
    expect([2, 3, 5].map((n) => shardOf("registry.example.com/team/api:1.4.2", n))).toEqual([1, 3, 3]);
    expect([2, 3, 5].map((n) => shardOf("oci:build/api:1.4.2", n))).toEqual([1, 1, 4]);
    expect([2, 3, 5].map((n) => shardOf("docker-archive:app.tar", n))).toEqual([2, 2, 2]);
    expect(shardOf("docker://nginx", 5)).toBe(shardOf("docker.io/library/nginx:latest", 5));
  });

  const refs = Array.from({ length: 600 }, (_, i) => `registry.example.com/app/svc-${i}:1.0`);

  it("puts every image in exactly one shard, whatever the order of the list", () => {
    const split = (list: string[]) => new Map(list.map((r) => [r, shardOf(r, 4)]));
    const forward = split(refs);
    const backward = split([...refs].reverse());
    expect([...backward].every(([r, k]) => forward.get(r) === k)).toBe(true);
    expect(new Set(forward.values())).toEqual(new Set([1, 2, 3, 4]));
    for (const k of forward.values()) expect(k >= 1 && k <= 4).toBe(true);
  });

  it("spreads many images over the shards (each gets a fair part)", () => {
    const sizes = [0, 0, 0];
    for (const r of refs) sizes[shardOf(r, 3) - 1]!++;
    for (const s of sizes) expect(s).toBeGreaterThan(150);
    expect(sizes.reduce((a, b) => a + b)).toBe(600);
  });

  it("one more shard takes images from the others and moves no image between them", () => {
    for (const r of refs) {
      const before = shardOf(r, 3);
      const after = shardOf(r, 4);
      expect(after === before || after === 4, r).toBe(true);
    }
  });

  it("one shard of one is every image", () => {
    expect(refs.every((r) => shardOf(r, 1) === 1)).toBe(true);
  });
});
