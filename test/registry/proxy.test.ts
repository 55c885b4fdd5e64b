/**
 * Registries behind an HTTP proxy from the environment: HTTPS through a CONNECT
 * tunnel (with Proxy-Authorization), plain HTTP as absolute-form requests, and
 * NO_PROXY. The proxy here maps every host to the test registry on 127.0.0.1,
 * so names that do not resolve prove that only the proxy was asked.
 */
import { createServer, request as httpRequest, type Server } from "node:http";
import { connect, type AddressInfo, type Socket } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { haveRegistry, pushImage, registryTarget, startRegistry, stopAllRegistries, type RegistryServer } from "../../fixtures/registry/index.js";
import { openRegistryImage } from "../../src/inspect/registry/remote-image.js";
import { baseOptions, cleanEnv, failure, removeTempDirs, sampleImage } from "./helpers.js";

const describeIf = haveRegistry() ? describe : describe.skip;
const built = sampleImage(501);

interface Seen {
  connects: { authority: string; auth?: string }[];
  requests: { url: string; host?: string; auth?: string }[];
}

/** A forward proxy that sends everything to 127.0.0.1:`port`. */
async function startProxy(port: () => number): Promise<{ url: string; seen: Seen; stop: () => Promise<void> }> {
  const seen: Seen = { connects: [], requests: [] };
  const sockets = new Set<Socket>();
  const server: Server = createServer((req, res) => {
    seen.requests.push({ url: req.url ?? "", ...(req.headers.host ? { host: req.headers.host } : {}), ...(req.headers["proxy-authorization"] ? { auth: req.headers["proxy-authorization"] } : {}) });
    const target = new URL(req.url ?? "/");
    const headers = { ...req.headers };
    delete headers["proxy-authorization"];
    const up = httpRequest({ host: "127.0.0.1", port: port(), method: req.method, path: target.pathname + target.search, headers }, (r) => {
      res.writeHead(r.statusCode ?? 502, r.headers);
      r.pipe(res);
    });
    up.on("error", () => res.destroy());
    req.pipe(up);
  });
  server.on("connect", (req, client: Socket, head: Buffer) => {
    seen.connects.push({ authority: req.url ?? "", ...(req.headers["proxy-authorization"] ? { auth: req.headers["proxy-authorization"] } : {}) });
    const up = connect(port(), "127.0.0.1", () => {
      client.write("HTTP/1.1 200 Connection Established\r\n\r\n");
      if (head.length) up.write(head);
      up.pipe(client);
      client.pipe(up);
    });
    up.on("error", () => client.destroy());
    client.on("error", () => up.destroy());
    sockets.add(client);
    sockets.add(up);
  });
  server.on("connection", (s: Socket) => sockets.add(s));
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port: p } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${p}`,
    seen,
    stop: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
}

afterAll(async () => {
  await stopAllRegistries();
  await removeTempDirs();
});

describeIf("HTTPS through a CONNECT proxy", () => {
  let reg: RegistryServer;
  let proxy: Awaited<ReturnType<typeof startProxy>>;
  beforeAll(async () => {
    reg = await startRegistry({ auth: "none", tls: true });
    await pushImage(registryTarget(reg), "team/app", "1", built);
    proxy = await startProxy(() => reg.port);
  });
  afterAll(() => proxy?.stop());

  it("tunnels to the registry, sending the proxy's credentials to the proxy only", async () => {
    const proxyUrl = proxy.url.replace("http://", "http://proxyuser:proxy%20pw@");
    const env = await cleanEnv({ HTTPS_PROXY: proxyUrl });
    // the test registry's certificate names 127.0.0.1, not registry.test: skip verification for it
    const img = await openRegistryImage("registry.test/team/app:1", await baseOptions({ env, insecureRegistries: ["registry.test"] }));
    expect(await img.digest()).toBe(built.manifestDigest);
    expect((await img.config()).rootfs.diff_ids).toEqual(built.layers.map((l) => l.diffId));
    await img.close();
    expect(proxy.seen.connects.length).toBeGreaterThan(0);
    expect(proxy.seen.connects.every((c) => c.authority === "registry.test:443")).toBe(true);
    expect(proxy.seen.connects[0]!.auth).toBe(`Basic ${Buffer.from("proxyuser:proxy pw").toString("base64")}`);
  });

  it("verifies the registry's certificate through the tunnel (SNI is the registry's name)", async () => {
    const env = await cleanEnv({ https_proxy: proxy.url });
    const err = await failure(async () => openRegistryImage("registry.test/team/app:1", await baseOptions({ env, caFiles: [reg.caFile!] })));
    expect(err?.message).toMatch(/^registry registry\.test: TLS certificate not trusted \(.*registry\.test.*\); add its CA with --ca-cert FILE$/);
  });

  it("goes direct for hosts in NO_PROXY, and never proxies loopback", async () => {
    const before = proxy.seen.connects.length;
    const env = await cleanEnv({ HTTPS_PROXY: proxy.url, NO_PROXY: "example.org,.test" });
    const err = await failure(async () => openRegistryImage("registry.test/team/app:1", await baseOptions({ env, insecureRegistries: ["registry.test"] })));
    expect(err?.message).toBe("registry registry.test: cannot connect: unknown host");
    const img = await openRegistryImage(`${reg.host}/team/app:1`, await baseOptions({ env: await cleanEnv({ HTTPS_PROXY: proxy.url }), caFiles: [reg.caFile!] }));
    await img.close();
    expect(proxy.seen.connects.length).toBe(before);
  });
});

describeIf("plain HTTP through a proxy", () => {
  it("sends absolute-form requests to HTTP_PROXY for an insecure registry", async () => {
    const reg = await startRegistry({ auth: "none" });
    await pushImage(registryTarget(reg), "team/app", "1", built);
    const proxy = await startProxy(() => reg.port);
    try {
      const env = await cleanEnv({ HTTP_PROXY: proxy.url });
      const img = await openRegistryImage("registry.test:5000/team/app:1", await baseOptions({ env, insecureRegistries: ["registry.test:5000"] }));
      expect(await img.digest()).toBe(built.manifestDigest);
      await img.config();
      await img.close();
      expect(proxy.seen.requests.map((r) => r.url)).toContain("http://registry.test:5000/v2/");
      expect(proxy.seen.requests.every((r) => r.host === "registry.test:5000")).toBe(true);
    } finally {
      await proxy.stop();
      await reg.stop();
    }
  });

  it("never tries plain HTTP for a registry that is neither loopback nor named insecure", async () => {
    const proxy = await startProxy(() => 9);
    try {
      const env = await cleanEnv({ HTTP_PROXY: proxy.url });
      const err = await failure(async () => openRegistryImage("registry.test:5000/team/app:1", await baseOptions({ env })));
      expect(err?.message).toBe("registry registry.test:5000: cannot connect: unknown host");
      expect(proxy.seen.requests).toEqual([]);
    } finally {
      await proxy.stop();
    }
  });
});
