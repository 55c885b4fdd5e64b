import { chmod, mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runCredentialHelper } from "./cred-helper.js";
import { credentialsFor, dockerConfigDir, entryCredentials, helperFor, keyHost, loadDockerConfig, serverUrl } from "./docker-config.js";

let dir: string;
let bin: string;
const b64 = (s: string) => Buffer.from(s).toString("base64");

// A fake helper: answers by the server URL it reads on stdin, the way docker-credential-* helpers do.
const HELPER = `#!/bin/sh
[ "$1" = get ] || exit 9
read -r url || true
case "$url" in
  https://index.docker.io/v1/) echo '{"ServerURL":"https://index.docker.io/v1/","Username":"hubuser","Secret":"hub-secret"}' ;;
  tok.example.com) echo '{"ServerURL":"tok.example.com","Username":"<token>","Secret":"refresh-me"}' ;;
  helped.example.com:5000) printf '{"ServerURL":"%s","Username":"helper-user","Secret":"helper-pass"}' "$url" ;;
  missing.example.com) echo "credentials not found in native keychain"; exit 1 ;;
  broken.example.com) echo "s3cr3t-output"; echo "s3cr3t-err" >&2; exit 3 ;;
  garbage.example.com) echo "not json s3cr3t" ;;
  slow.example.com) sleep 5 ;;
  *) echo "credentials not found in native keychain" >&2; exit 1 ;;
esac
`;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "imgpolicy-dockercfg-"));
  bin = join(dir, "bin");
  await mkdir(bin);
  await writeFile(join(bin, "docker-credential-test"), HELPER);
  await chmod(join(bin, "docker-credential-test"), 0o755);
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

async function configDir(name: string, config: unknown): Promise<Record<string, string | undefined>> {
  const d = join(dir, name);
  await mkdir(d, { recursive: true });
  await writeFile(join(d, "config.json"), typeof config === "string" ? config : JSON.stringify(config));
  return { DOCKER_CONFIG: d, PATH: `${bin}:${process.env.PATH ?? ""}`, HOME: join(dir, "nohome") };
}

describe("where the config is", () => {
  it("uses DOCKER_CONFIG, else ~/.docker", () => {
    expect(dockerConfigDir({ DOCKER_CONFIG: "/cfg", HOME: "/home/u" })).toBe("/cfg");
    expect(dockerConfigDir({ HOME: "/home/u" })).toBe("/home/u/.docker");
  });
  it("is fine without one", async () => {
    expect(await loadDockerConfig({ DOCKER_CONFIG: join(dir, "none") })).toBeUndefined();
    expect(await credentialsFor("docker.io", { env: { DOCKER_CONFIG: join(dir, "none") } })).toBeUndefined();
  });
  it("says which file does not parse, without its content", async () => {
    const env = await configDir("badjson", '{"auths": {"x": {"auth": "c2VjcmV0"}');
    const err = await loadDockerConfig(env).catch((e: Error) => e);
    expect((err as Error).message).toBe(`${join(dir, "badjson", "config.json")} is not valid JSON`);
  });
});

describe("keys", () => {
  it.each([
    ["https://index.docker.io/v1/", "index.docker.io"],
    ["http://localhost:5000", "localhost:5000"],
    ["registry.example.com/v2/", "registry.example.com"],
    ["Example.com:443", "example.com:443"],
  ])("%s → %s", (key, host) => expect(keyHost(key)).toBe(host));
  it("files Docker Hub under the v1 index URL", () => {
    expect(serverUrl("docker.io")).toBe("https://index.docker.io/v1/");
    expect(serverUrl("localhost:5000")).toBe("localhost:5000");
  });
});

describe("auths entries", () => {
  it("decodes auth, or takes username/password, identity and registry tokens", () => {
    expect(entryCredentials({ auth: b64("alice:pa:ss") }, "f")).toEqual({ username: "alice", password: "pa:ss" });
    expect(entryCredentials({ username: "bob", password: "pw" }, "f")).toEqual({ username: "bob", password: "pw" });
    expect(entryCredentials({ auth: b64("x:y"), identitytoken: "idt" }, "f")).toEqual({ username: "x", password: "y", identityToken: "idt" });
    expect(entryCredentials({ registrytoken: "rt" }, "f")).toEqual({ registryToken: "rt" });
    expect(entryCredentials({}, "f")).toBeUndefined();
    expect(entryCredentials({ auth: "" }, "f")).toBeUndefined();
  });
  it("refuses a bad auth value without showing it", () => {
    const secret = b64("no-colon-secret");
    const err = (() => {
      try {
        entryCredentials({ auth: secret }, "/cfg/config.json");
      } catch (e) {
        return e as Error;
      }
    })();
    expect(err?.message).toBe('/cfg/config.json: the "auth" value is not base64 of "user:password"');
    expect(err?.message).not.toContain(secret);
    expect(err?.message).not.toContain("no-colon-secret");
  });

  it("finds Docker Hub's entry under any of its names, and others by host", async () => {
    const env = await configDir("auths", {
      auths: {
        "https://index.docker.io/v1/": { auth: b64("hub:hubpw") },
        "http://localhost:5000": { auth: b64("local:localpw") },
        "registry.example.com": { username: "u", password: "p" },
      },
    });
    expect(await credentialsFor("docker.io", { env })).toEqual({ username: "hub", password: "hubpw" });
    expect(await credentialsFor("localhost:5000", { env })).toEqual({ username: "local", password: "localpw" });
    expect(await credentialsFor("registry.example.com", { env })).toEqual({ username: "u", password: "p" });
    expect(await credentialsFor("other.example.com", { env })).toBeUndefined();
  });
});

describe("credential helpers", () => {
  it("picks credHelpers for the registry, else credsStore", () => {
    const cfg = { credsStore: "desktop", credHelpers: { "gcr.io": "gcloud", "index.docker.io": "hub" } };
    expect(helperFor(cfg, "gcr.io")).toBe("gcloud");
    expect(helperFor(cfg, "docker.io")).toBe("hub");
    expect(helperFor(cfg, "quay.io")).toBe("desktop");
    expect(helperFor({}, "quay.io")).toBeUndefined();
  });

  it("reads username and secret from a helper's stdout", async () => {
    const env = await configDir("store", { credsStore: "test", auths: { "https://index.docker.io/v1/": {} } });
    expect(await credentialsFor("docker.io", { env })).toEqual({ username: "hubuser", password: "hub-secret" });
    expect(await credentialsFor("tok.example.com", { env })).toEqual({ identityToken: "refresh-me" });
  });

  it("uses credHelpers per registry and falls back to auths when the helper has nothing", async () => {
    const env = await configDir("helpers", {
      credHelpers: { "helped.example.com:5000": "test", "missing.example.com": "test" },
      auths: { "missing.example.com": { auth: b64("file:filepw") } },
    });
    expect(await credentialsFor("helped.example.com:5000", { env })).toEqual({ username: "helper-user", password: "helper-pass" });
    expect(await credentialsFor("missing.example.com", { env })).toEqual({ username: "file", password: "filepw" });
  });

  it("fails in one line without echoing what a failing helper printed", async () => {
    const env = { PATH: `${bin}:${process.env.PATH ?? ""}` };
    for (const [url, want] of [
      ["broken.example.com", "cannot get credentials for broken.example.com from docker-credential-test: it exited with status 3"],
      ["garbage.example.com", "cannot get credentials for garbage.example.com from docker-credential-test: its answer is not JSON"],
    ] as const) {
      const err = (await runCredentialHelper("test", url, { env }).catch((e: Error) => e)) as Error;
      expect(err.message).toBe(want);
      expect(err.message).not.toMatch(/s3cr3t/);
    }
  });

  it("says when the helper is not installed, or too slow, or badly named", async () => {
    const env = { PATH: bin };
    await expect(runCredentialHelper("nope", "x.io", { env })).rejects.toThrow(
      "cannot get credentials for x.io from docker-credential-nope: docker-credential-nope is not on PATH",
    );
    await expect(runCredentialHelper("test", "slow.example.com", { env: { PATH: `${bin}:${process.env.PATH}` }, timeoutMs: 300 })).rejects.toThrow(/no answer within 0s|no answer within/);
    await expect(runCredentialHelper("../evil", "x.io", { env })).rejects.toThrow(/not a valid helper name/);
  });

  it("treats 'credentials not found' as no credentials", async () => {
    expect(await runCredentialHelper("test", "missing.example.com", { env: { PATH: `${bin}:${process.env.PATH}` } })).toBeUndefined();
    expect(await runCredentialHelper("test", "elsewhere.example.com", { env: { PATH: `${bin}:${process.env.PATH}` } })).toBeUndefined();
  });
});
