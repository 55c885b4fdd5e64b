import { describe, expect, it } from "vitest";
import { decodeCapabilities, normaliseCapability } from "./capabilities.js";
import { demultiplex } from "../engine/containers.js";
import { tarHeader } from "./docker-archive-stream.js";
import { firstTarFile, parseProcStatus } from "./identity.js";

const STATUS = `Name:\tapp
Umask:\t0022
State:\tS (sleeping)
Pid:\t4242
Uid:\t1000\t65532\t65532\t65532
Gid:\t1000\t65532\t65532\t65532
FDSize:\t64
Groups:\t65532 10 
NoNewPrivs:\t1
CapInh:\t0000000000000000
CapPrm:\t0000000000000400
CapEff:\t0000000000000400
CapBnd:\t0000000000000400
`;

describe("capabilities", () => {
  it("decodes a CapEff mask into names", () => {
    expect(decodeCapabilities("0000000000000000")).toEqual([]);
    expect(decodeCapabilities("0000000000000400")).toEqual(["NET_BIND_SERVICE"]);
    // Docker's default set for root.
    expect(decodeCapabilities("00000000a80425fb")).toEqual([
      "CHOWN", "DAC_OVERRIDE", "FOWNER", "FSETID", "KILL", "SETGID", "SETUID", "SETPCAP",
      "NET_BIND_SERVICE", "NET_RAW", "SYS_CHROOT", "MKNOD", "AUDIT_WRITE", "SETFCAP",
    ]);
    expect(decodeCapabilities("000001ffffffffff")).toHaveLength(41);
    expect(decodeCapabilities("0000020000000000")).toEqual(["CAP_41"]);
    expect(() => decodeCapabilities("not hex")).toThrow(/not a capability mask/);
  });

  it("spells capabilities as Docker does", () => {
    expect(normaliseCapability("cap_net_raw")).toBe("NET_RAW");
    expect(normaliseCapability(" NET_RAW ")).toBe("NET_RAW");
  });
});

describe("parseProcStatus", () => {
  it("takes the effective ids, groups, CapEff and NoNewPrivs", () => {
    expect(parseProcStatus(STATUS)).toEqual({
      uid: 65532,
      gid: 65532,
      groups: [65532, 10],
      capEff: "0000000000000400",
      capabilities: ["NET_BIND_SERVICE"],
      noNewPrivs: true,
    });
  });

  it("gives up on a status without the fields it needs", () => {
    expect(parseProcStatus("")).toBeUndefined();
    expect(parseProcStatus("Uid:\t0\t0\t0\t0\nGid:\t0\t0\t0\t0\n")).toBeUndefined();
  });

  it("reads this process's own status (the kernel's real format)", async () => {
    const { readFile } = await import("node:fs/promises");
    const own = parseProcStatus(await readFile("/proc/self/status", "utf8"));
    expect(own?.uid).toBe(process.getuid?.());
  });
});

describe("tar and log framing", () => {
  it("finds the first regular file of a tar, and nothing in an empty one", () => {
    const body = Buffer.from("Uid:\t0\n");
    const pad = Buffer.alloc(512 - body.length);
    const tar = Buffer.concat([tarHeader("status", body.length, "file"), body, pad, Buffer.alloc(1024)]);
    expect(firstTarFile(tar)?.toString()).toBe("Uid:\t0\n");
    const empty = Buffer.concat([tarHeader("status", 0, "file"), Buffer.alloc(1024)]);
    expect(firstTarFile(empty)?.length).toBe(0);
    expect(firstTarFile(Buffer.alloc(1024))).toBeUndefined();
  });

  it("writes sizes beyond 8 GiB in a pax record", () => {
    const h = tarHeader("big", 2 ** 34, "file");
    expect(h.length).toBe(3 * 512);
    expect(h.subarray(512, 1024).toString("latin1")).toContain(` size=${2 ** 34}\n`);
  });

  it("demultiplexes a non-TTY log stream", () => {
    const frame = (stream: number, text: string) => {
      const b = Buffer.from(text);
      const h = Buffer.alloc(8);
      h[0] = stream;
      h.writeUInt32BE(b.length, 4);
      return Buffer.concat([h, b]);
    };
    expect(demultiplex(Buffer.concat([frame(1, "out\n"), frame(2, "err\n")]))).toBe("out\nerr\n");
    expect(demultiplex(Buffer.from("plain text, no frames\n"))).toBe("plain text, no frames\n");
  });
});
