/**
 * TLS with the test CA, htpasswd (Basic) auth, token (Bearer) auth with refresh,
 * credentials from flags, ~/.docker/config.json and a credential helper, and the
 * one-line failures for missing or wrong credentials, which never show a secret.
 */
import { chmod, mkdir, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { haveRegistry, pushImage, registryTarget, startRegistry, stopAllRegistries, type RegistryServer } from "../../fixtures/registry/index.js";
import { openRegistryImage } from "../../src/inspect/registry/remote-image.js";
import { baseOptions, cleanEnv, comparable, failure, layoutFacts, pull, removeTempDirs, sampleImage, tempDir } from "./helpers.js";

const describeIf = haveRegistry() ? describe : describe.skip;
const built = sampleImage(101);

afterAll(async () => {
  await stopAllRegistries();
  await removeTempDirs();
});

function noSecrets(message: string | undefined, reg: RegistryServer): void {
  for (const u of reg.users) expect(message).not.toContain(u.password);
  expect(message).not.toMatch(/Basic [A-Za-z0-9+/=]{8,}|Bearer [A-Za-z0-9._-]{8,}/);
  expect(message).not.toContain("\n");
}

describeIf("TLS", () => {
  let reg: RegistryServer;
  beforeAll(async () => {
    reg = await startRegistry({ auth: "none", tls: true });
    await pushImage(registryTarget(reg), "secure/app", "1", built);
  });

  it("pulls over HTTPS when given the test CA (--ca-cert) or SSL_CERT_FILE", async () => {
    const facts = await pull(`${reg.host}/secure/app:1`, await baseOptions({ caFiles: [reg.caFile!] }));
    expect(comparable(facts)).toEqual(comparable(await layoutFacts(built)));
    const viaEnv = await openRegistryImage(`${reg.host}/secure/app:1`, await baseOptions({ env: await cleanEnv({ SSL_CERT_FILE: reg.caFile! }) }));
    expect(await viaEnv.digest()).toBe(built.manifestDigest);
    await viaEnv.close();
  });

  it("says the certificate is not trusted, and how to fix it, without the CA", async () => {
    const err = await failure(async () => openRegistryImage(`${reg.host}/secure/app:1`, await baseOptions()));
    expect(err?.message).toMatch(new RegExp(`^registry ${reg.host}: TLS certificate not trusted \\(.+\\); add its CA with --ca-cert FILE$`));
  });

  it("skips verification for an --insecure-registry host", async () => {
    const img = await openRegistryImage(`${reg.host}/secure/app:1`, await baseOptions({ insecureRegistries: [reg.host] }));
    expect(await img.digest()).toBe(built.manifestDigest);
    await img.close();
  });

  it("refuses a CA file that is missing or holds no certificate", async () => {
    const junk = join(await tempDir(), "junk.pem");
    await writeFile(junk, "not a certificate\n");
    const e1 = await failure(async () => openRegistryImage(`${reg.host}/secure/app:1`, await baseOptions({ caFiles: ["/no/such/ca.pem"] })));
    expect(e1?.message).toBe("cannot read CA certificate file /no/such/ca.pem: no such file or directory");
    const e2 = await failure(async () => openRegistryImage(`${reg.host}/secure/app:1`, await baseOptions({ caFiles: [junk] })));
    expect(e2?.message).toBe(`${junk} holds no PEM certificate`);
  });
});

describeIf("htpasswd (Basic) auth", () => {
  let reg: RegistryServer;
  beforeAll(async () => {
    reg = await startRegistry({ auth: "htpasswd" });
    await pushImage(registryTarget(reg, "pusher"), "private/app", "1", built);
  });

  it("pulls with a user and password", async () => {
    const u = reg.users.find((x) => x.user === "puller")!;
    const facts = await pull(`${reg.host}/private/app:1`, await baseOptions({ username: u.user, password: u.password }));
    expect(facts.image.digest).toBe(built.manifestDigest);
  });

  it("fails in one line without credentials, or with wrong ones, showing no secret", async () => {
    const none = await failure(async () => openRegistryImage(`${reg.host}/private/app:1`, await baseOptions()));
    expect(none?.message).toMatch(new RegExp(`^registry ${reg.host}: repository private/app: authentication required \\(.*tag 1\\); log in with docker login, or pass --username and --password-stdin$`));
    const wrong = await failure(async () => openRegistryImage(`${reg.host}/private/app:1`, await baseOptions({ username: "puller", password: "not-the-password" })));
    expect(wrong?.message).toMatch(new RegExp(`^registry ${reg.host}: repository private/app: authentication failed: the registry refused the credentials`));
    expect(wrong?.message).not.toContain("not-the-password");
    noSecrets(none?.message, reg);
    noSecrets(wrong?.message, reg);
  });

  it("reads credentials from config.json (auth in base64 and username/password) and from a credential helper", async () => {
    const u = reg.users.find((x) => x.user === "puller")!;
    const home = await tempDir("imgpolicy-home-");
    const cfgDir = join(home, "cfg");
    await mkdir(cfgDir);
    const env = await cleanEnv({ DOCKER_CONFIG: cfgDir });
    const auth = Buffer.from(`${u.user}:${u.password}`).toString("base64");
    await writeFile(join(cfgDir, "config.json"), JSON.stringify({ auths: { [`http://${reg.host}`]: { auth } } }));
    expect((await pull(`${reg.host}/private/app:1`, await baseOptions({ env }))).image.digest).toBe(built.manifestDigest);
    await writeFile(join(cfgDir, "config.json"), JSON.stringify({ auths: { [reg.host]: { username: u.user, password: u.password } } }));
    expect((await pull(`${reg.host}/private/app:1`, await baseOptions({ env }))).image.digest).toBe(built.manifestDigest);

    const bin = join(home, "bin");
    await mkdir(bin);
    const helper = join(bin, "docker-credential-test");
    await writeFile(
      helper,
      `#!/bin/sh\nread -r url\n[ "$url" = "${reg.host}" ] || { echo "credentials not found in native keychain"; exit 1; }\nprintf '{"ServerURL":"%s","Username":"${u.user}","Secret":"${u.password}"}' "$url"\n`,
    );
    await chmod(helper, 0o755);
    await writeFile(join(cfgDir, "config.json"), JSON.stringify({ credHelpers: { [reg.host]: "test" } }));
    const helped = { ...env, PATH: `${bin}:${process.env.PATH}` };
    expect((await pull(`${reg.host}/private/app:1`, await baseOptions({ env: helped }))).image.digest).toBe(built.manifestDigest);
    // the flags win over the file
    const wrong = await failure(async () => openRegistryImage(`${reg.host}/private/app:1`, await baseOptions({ env: helped, username: u.user, password: "nope" })));
    expect(wrong?.message).toMatch(/authentication failed/);
  });
});

describeIf("token (Bearer) auth", () => {
  let reg: RegistryServer;
  beforeAll(async () => {
    reg = await startRegistry({ auth: "token" });
    await pushImage(registryTarget(reg, "pusher"), "private/app", "1", built);
  });
  const puller = () => reg.users.find((x) => x.user === "puller")!;

  it("gets a pull token for the repository from the challenge's realm, once per image", async () => {
    reg.token!.reset();
    const facts = await pull(`${reg.host}/private/app:1`, await baseOptions({ username: puller().user, password: puller().password }));
    expect(comparable(facts)).toEqual(comparable(await layoutFacts(built)));
    const asked = reg.token!.requests.filter((r) => r.status === 200);
    expect(asked.length).toBe(1);
    expect(asked[0]).toMatchObject({ method: "GET", user: "puller", scopes: ["repository:private/app:pull"] });
  });

  it("fetches a new token when the last one expired (expires_in)", async () => {
    reg.token!.reset();
    reg.token!.expiresIn = 1;
    try {
      const img = await openRegistryImage(`${reg.host}/private/app:1`, await baseOptions({ username: puller().user, password: puller().password }));
      expect(reg.token!.issued).toBe(1);
      await new Promise((r) => setTimeout(r, 1200));
      await img.config();
      expect(reg.token!.issued).toBe(2);
      await img.close();
    } finally {
      reg.token!.expiresIn = 300;
    }
  });

  it("asks again once when the registry refuses a token (401), and fails in one line when it refuses the new one too", async () => {
    reg.token!.reset();
    reg.token!.issueExpired = true;
    const requests = reg.token!.requests;
    const push = requests.push.bind(requests);
    // the first token is already expired; the one asked for after the 401 is good
    requests.push = (...items) => {
      if (requests.length >= 1) reg.token!.issueExpired = false;
      return push(...items);
    };
    try {
      const facts = await pull(`${reg.host}/private/app:1`, await baseOptions({ username: puller().user, password: puller().password }));
      expect(facts.image.digest).toBe(built.manifestDigest);
      expect(reg.token!.issued).toBe(2);
    } finally {
      requests.push = push;
      reg.token!.issueExpired = false;
    }
    reg.token!.reset();
    reg.token!.issueExpired = true;
    try {
      const err = await failure(async () => openRegistryImage(`${reg.host}/private/app:1`, await baseOptions({ username: puller().user, password: puller().password })));
      expect(err?.message).toMatch(new RegExp(`^registry ${reg.host}: repository private/app: authentication failed: the registry refused the credentials \\(.*tag 1\\)$`));
      expect(reg.token!.issued).toBe(2);
      noSecrets(err?.message, reg);
    } finally {
      reg.token!.issueExpired = false;
    }
  });

  it("fails in one line with wrong credentials or none, showing no secret", async () => {
    const wrong = await failure(async () => openRegistryImage(`${reg.host}/private/app:1`, await baseOptions({ username: "puller", password: "wrong-password" })));
    expect(wrong?.message).toBe(
      `registry ${reg.host}: repository private/app: authentication failed: the token server ${new URL(reg.token!.url).origin} refused the credentials (authentication required)`,
    );
    expect(wrong?.message).not.toContain("wrong-password");
    const none = await failure(async () => openRegistryImage(`${reg.host}/private/app:1`, await baseOptions()));
    expect(none?.message).toMatch(/refused an anonymous token \(authentication required\); log in with docker login, or pass --username and --password-stdin$/);
    noSecrets(wrong?.message, reg);
  });

  it("retries a token server that fails for a moment", async () => {
    reg.token!.reset();
    reg.token!.failNext(2, 503);
    const facts = await pull(`${reg.host}/private/app:1`, await baseOptions({ username: puller().user, password: puller().password }));
    expect(facts.image.digest).toBe(built.manifestDigest);
    expect(reg.token!.requests.map((r) => r.status)).toEqual([503, 503, 200]);
  });
});

describeIf("token auth over TLS", () => {
  it("pulls with the CA trusted for the registry and its token server", async () => {
    const reg = await startRegistry({ auth: "token", tls: true });
    await pushImage(registryTarget(reg, "pusher"), "private/app", "1", built);
    const u = reg.users.find((x) => x.user === "puller")!;
    const facts = await pull(`${reg.host}/private/app:1`, await baseOptions({ caFiles: [reg.caFile!], username: u.user, password: u.password }));
    expect(facts.image.digest).toBe(built.manifestDigest);
    await reg.stop();
  });
});
