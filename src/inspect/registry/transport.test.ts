/** The transport's bounds against small servers: answer deadlines, whole-body limits, error bodies that stall. */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import { createServer as createNetServer, type AddressInfo, type Server as NetServer, type Socket } from "node:net";
import { afterEach, describe, expect, it } from "vitest";
import { readBody } from "./error-body.js";
import { BodyLimitError, readWhole, Transport } from "./transport.js";

const servers: (Server | NetServer)[] = [];
const sockets = new Set<Socket>();
const transports: Transport[] = [];

async function listen<S extends Server | NetServer>(server: S): Promise<string> {
  servers.push(server);
  server.on("connection", (s: Socket) => {
    sockets.add(s);
    s.on("close", () => sockets.delete(s));
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

const serve = (handler: (req: IncomingMessage, res: ServerResponse) => void) => listen(createServer(handler));

function transport(requestTimeoutMs = 800): Transport {
  const t = new Transport({ connectTimeoutMs: 2000, idleTimeoutMs: 2000, requestTimeoutMs });
  transports.push(t);
  return t;
}

afterEach(async () => {
  for (const t of transports.splice(0)) t.close();
  for (const s of sockets) s.destroy();
  await Promise.all(servers.splice(0).map((s) => new Promise((r) => s.close(r))));
});

/** Writes `text` a byte every `everyMs` until the socket closes. */
function trickle(socket: Socket, text: string, everyMs: number): void {
  let i = 0;
  const timer = setInterval(() => {
    if (i >= text.length || socket.destroyed) return clearInterval(timer);
    socket.write(text[i++]!);
  }, everyMs);
  socket.on("close", () => clearInterval(timer));
}

describe("Transport.send", () => {
  it("ends an answer whose headers trickle in past the deadline", async () => {
    const url = await listen(createNetServer((socket) => trickle(socket, `HTTP/1.1 200 OK\r\nX-Slow: ${"a".repeat(200)}\r\n\r\n`, 50)));
    const t0 = Date.now();
    await expect(transport(600).send({ url: new URL(`${url}/v2/`) })).rejects.toThrow("no complete answer within 600 ms");
    expect(Date.now() - t0).toBeLessThan(3000);
  });
});

describe("readWhole", () => {
  const read = async (url: string, limit: number, deadlineMs = 800) => {
    const res = await transport(5000).send({ url: new URL(url) });
    return readWhole(res, { limit, idleMs: 2000, deadline: Date.now() + deadlineMs });
  };

  it("reads a body within its bounds", async () => {
    const url = await serve((_req, res) => res.end("{}"));
    expect((await read(url, 10)).toString()).toBe("{}");
  });

  it("refuses a declared length over the limit before the body", async () => {
    let sent = 0;
    const url = await serve((_req, res) => {
      res.writeHead(200, { "Content-Length": "50000000" });
      res.flushHeaders(); // and no body at all
      sent++;
    });
    const err = await read(url, 1000).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(BodyLimitError);
    expect(err).toMatchObject({ reason: "size", message: "the answer is 50000000 bytes, more than the 1000 allowed" });
    expect(sent).toBe(1);
  });

  it("stops a body without a length at the byte past the limit", async () => {
    const url = await serve((_req, res) => {
      const chunk = Buffer.alloc(64 * 1024);
      const more = () => {
        while (!res.destroyed && res.write(chunk));
        if (!res.destroyed) res.once("drain", more);
      };
      more();
    });
    await expect(read(url, 100_000)).rejects.toMatchObject({ reason: "size", message: "the answer is more than the 100000 bytes allowed" });
  });

  it("ends a body trickled past the deadline, saying how much came", async () => {
    const url = await listen(createNetServer((socket) => trickle(socket, `HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\n${"x".repeat(100)}`, 20)));
    const t0 = Date.now();
    const err = (await read(url, 1000, 1500).catch((e: unknown) => e)) as BodyLimitError;
    expect(err).toBeInstanceOf(BodyLimitError);
    expect(err.reason).toBe("deadline");
    expect(err.received).toBeGreaterThan(0);
    expect(err.received).toBeLessThan(100);
    expect(Date.now() - t0).toBeLessThan(4000);
  });
});

describe("readBody", () => {
  it("keeps what a stalled error body sent by the time it stops waiting", async () => {
    const url = await serve((_req, res) => {
      res.writeHead(500, { "Content-Length": "1000" });
      res.write("upstream timed");
    });
    const res = await transport().send({ url: new URL(url) });
    const t0 = Date.now();
    expect((await readBody(res, 64 * 1024, 300)).toString()).toBe("upstream timed");
    expect(Date.now() - t0).toBeLessThan(2000);
  });
});
