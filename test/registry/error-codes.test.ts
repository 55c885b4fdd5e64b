/**
 * Typed registry errors against the real Distribution registry: a RegistryError says
 * the HTTP status and the distribution error codes (`errors[].code`) of the answer
 * that failed, and auto mode's engine→registry fallback keeps them, so a caller
 * decides on the code, never on the words of the message.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { haveRegistry, pushImage, registryTarget, startRegistry, stopAllRegistries, type RegistryServer } from "../../fixtures/registry/index.js";
import { RegistryError } from "../../src/errors.js";
import { openImage } from "../../src/inspect/resolve.js";
import { Semaphore, blobStream } from "../../src/inspect/registry/blob-stream.js";
import { RegistryClient } from "../../src/inspect/registry/client.js";
import { openRegistryImage } from "../../src/inspect/registry/remote-image.js";
import { Transport } from "../../src/inspect/registry/transport.js";
import { engineClient } from "../../src/engine/client.js";
import { baseOptions, failure, removeTempDirs, sampleImage } from "./helpers.js";

const describeIf = haveRegistry() ? describe : describe.skip;
const built = sampleImage(1301);
const NO_ENGINE = "unix:///nonexistent/docker.sock";

afterAll(async () => {
  await stopAllRegistries();
  await removeTempDirs();
});

/** The RegistryError an operation fails with (the test fails when it is something else). */
async function registryFailure(op: () => Promise<unknown>): Promise<RegistryError> {
  const err = await failure(op);
  expect(err).toBeInstanceOf(RegistryError);
  return err as RegistryError;
}

async function withDockerHost<T>(host: string, fn: () => Promise<T>): Promise<T> {
  const saved = process.env.DOCKER_HOST;
  process.env.DOCKER_HOST = host;
  try {
    return await fn();
  } finally {
    if (saved === undefined) delete process.env.DOCKER_HOST;
    else process.env.DOCKER_HOST = saved;
  }
}

describeIf("status and codes from an open registry", () => {
  let reg: RegistryServer;
  beforeAll(async () => {
    reg = await startRegistry({ auth: "none" });
    await pushImage(registryTarget(reg), "team/app", "1", built);
  });

  it("an unknown tag: 404 MANIFEST_UNKNOWN", async () => {
    const err = await registryFailure(async () => openRegistryImage(`${reg.host}/team/app:nope`, await baseOptions()));
    expect({ status: err.status, codes: err.codes }).toEqual({ status: 404, codes: ["MANIFEST_UNKNOWN"] });
    expect(err.hasCode("MANIFEST_UNKNOWN")).toBe(true);
    expect(err.hasCode("NAME_UNKNOWN", "UNAUTHORIZED")).toBe(false);
  });

  it("an unknown repository: 404, MANIFEST_UNKNOWN for its manifest (Distribution 2.8 says NAME_UNKNOWN only when its tags are listed)", async () => {
    const err = await registryFailure(async () => openRegistryImage(`${reg.host}/team/nothing-here:1`, await baseOptions()));
    expect({ status: err.status, codes: err.codes }).toEqual({ status: 404, codes: ["MANIFEST_UNKNOWN"] });
    // what it says where it names the repository unknown
    const transport = new Transport({ connectTimeoutMs: 5_000, idleTimeoutMs: 5_000 });
    const client = new RegistryClient(reg.host, "team/nothing-here", { transport, allowHttp: true, credentials: async () => undefined, retry: { tries: 1 } });
    try {
      const listed = await registryFailure(() => client.bytes("/v2/team/nothing-here/tags/list", { what: "tags" }, 1 << 16));
      expect({ status: listed.status, codes: listed.codes }).toEqual({ status: 404, codes: ["NAME_UNKNOWN"] });
    } finally {
      transport.close();
    }
  });

  it("an unknown blob: 404 BLOB_UNKNOWN", async () => {
    const transport = new Transport({ connectTimeoutMs: 5_000, idleTimeoutMs: 5_000 });
    const client = new RegistryClient(reg.host, "team/app", { transport, allowHttp: true, credentials: async () => undefined, retry: { tries: 1 } });
    try {
      const stream = blobStream(client, { digest: `sha256:${"0".repeat(64)}`, slots: new Semaphore(1) });
      const err = await registryFailure(async () => {
        for await (const _ of stream) void _;
      });
      expect({ status: err.status, codes: err.codes }).toEqual({ status: 404, codes: ["BLOB_UNKNOWN"] });
    } finally {
      transport.close();
    }
  });

  it("no answer at all: neither status nor codes", async () => {
    const err = await registryFailure(async () => openRegistryImage("127.0.0.1:1/team/app:1", await baseOptions()));
    expect({ status: err.status, codes: err.codes }).toEqual({ status: undefined, codes: [] });
  });
});

describeIf("status and codes from registries that ask for credentials", () => {
  it("htpasswd without credentials: 401 UNAUTHORIZED", async () => {
    const reg = await startRegistry({ auth: "htpasswd" });
    await pushImage(registryTarget(reg, "pusher"), "private/app", "1", built);
    const err = await registryFailure(async () => openRegistryImage(`${reg.host}/private/app:1`, await baseOptions()));
    expect({ status: err.status, codes: err.codes }).toEqual({ status: 401, codes: ["UNAUTHORIZED"] });
    await reg.stop();
  });

  it("token auth, a user the token server grants nothing on the repository: 401 UNAUTHORIZED from the registry", async () => {
    const reg = await startRegistry({
      auth: "token",
      users: [
        { user: "pusher", password: "pusher-secret", access: ["pull", "push"] },
        { user: "outsider", password: "outsider-secret", access: [] },
      ],
    });
    await pushImage(registryTarget(reg, "pusher"), "private/app", "1", built);
    const err = await registryFailure(async () => openRegistryImage(`${reg.host}/private/app:1`, await baseOptions({ username: "outsider", password: "outsider-secret" })));
    expect({ status: err.status, codes: err.codes }).toEqual({ status: 401, codes: ["UNAUTHORIZED"] });
    expect(err.message).toMatch(/authentication failed: the registry refused the credentials/);
    await reg.stop();
  });
});

describeIf("auto mode's fallback follows the codes", () => {
  let reg: RegistryServer;
  beforeAll(async () => {
    reg = await startRegistry({ auth: "none" });
    await pushImage(registryTarget(reg), "team/app", "1", built);
  });

  it("an engine that cannot be reached: the registry is asked, and its status and codes are kept", async () => {
    const opts = { registry: await baseOptions() };
    await withDockerHost(NO_ENGINE, async () => {
      const img = await openImage(`${reg.host}/team/app:1`, opts);
      expect(await img.digest()).toBe(built.manifestDigest);
      await img.close();
      const tag = await registryFailure(() => openImage(`${reg.host}/team/app:nope`, opts));
      expect({ status: tag.status, codes: tag.codes }).toEqual({ status: 404, codes: ["MANIFEST_UNKNOWN"] });
      expect(tag.cause).toBeInstanceOf(RegistryError);
      const repo = await registryFailure(() => openImage(`${reg.host}/team/other:1`, opts));
      expect({ status: repo.status, codes: repo.codes }).toEqual({ status: 404, codes: ["MANIFEST_UNKNOWN"] });
    });
  });

  it("an engine that answers 404 for the image: the registry is asked", async () => {
    const up = await engineClient().ping().then(() => true, () => false);
    if (!up) return; // the unreachable case above covers the fallback
    const opts = { registry: await baseOptions() };
    const err = await registryFailure(() => openImage(`${reg.host}/team/app:nope`, opts));
    expect({ status: err.status, codes: err.codes }).toEqual({ status: 404, codes: ["MANIFEST_UNKNOWN"] });
    expect(err.message).toMatch(/^image '.+' is not in the local engine, and registry /);
  });

  it("--source engine never asks the registry", async () => {
    await withDockerHost(NO_ENGINE, async () => {
      const err = await failure(async () => openImage(`${reg.host}/team/app:1`, { source: "engine", registry: await baseOptions() }));
      expect(err).not.toBeInstanceOf(RegistryError);
      expect(err).toMatchObject({ kind: "engine", unreachable: true });
    });
  });
});
