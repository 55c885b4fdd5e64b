import { describe, expect, it } from "vitest";
import { nameText } from "../../tar/name-bytes.js";
import { fileCapabilities } from "./file-capabilities.js";

/** A security.capability value as the tar reader gives it (pax bytes, not UTF-8 kept as U+DC80–U+DCFF). */
const asPax = (bytes: number[]) => nameText(Uint8Array.from(bytes), 0, bytes.length);
const le = (n: number) => [n & 0xff, (n >>> 8) & 0xff, (n >>> 16) & 0xff, (n >>> 24) & 0xff];

describe("fileCapabilities", () => {
  it("reads version 2 (setcap cap_net_bind_service,cap_setuid+ep) and the effective flag", () => {
    const v2 = [...le(0x02000001), ...le((1 << 10) | (1 << 7)), ...le(0), ...le(0), ...le(0)];
    expect(fileCapabilities(asPax(v2))).toEqual({ names: ["CAP_SETUID", "CAP_NET_BIND_SERVICE"], effective: true });
    const permittedOnly = [...le(0x02000000), ...le(1 << 13), ...le(0), ...le(0), ...le(0)];
    expect(fileCapabilities(asPax(permittedOnly))).toEqual({ names: ["CAP_NET_RAW"], effective: false });
  });

  it("reads the high word (CAP_BPF is bit 39), inheritable bits, version 3 and version 1", () => {
    const v3 = [...le(0x03000001), ...le(0), ...le(1 << 21), ...le(1 << 7), ...le(0), ...le(1000)];
    expect(fileCapabilities(asPax(v3))).toEqual({ names: ["CAP_SYS_ADMIN", "CAP_BPF"], effective: true });
    const v1 = [...le(0x01000000), ...le(1 << 0), ...le(0)];
    expect(fileCapabilities(asPax(v1))).toEqual({ names: ["CAP_CHOWN"], effective: false });
    const unnamed = [...le(0x02000000), ...le(0), ...le(0), ...le(1 << 31), ...le(0)];
    expect(fileCapabilities(asPax(unnamed))!.names).toEqual(["CAP_63"]);
  });

  it("grants nothing with empty sets; a value of the wrong size or version is malformed, not ignored", () => {
    expect(fileCapabilities(asPax([...le(0x02000001), ...le(0), ...le(0), ...le(0), ...le(0)]))).toBeUndefined();
    expect(fileCapabilities(asPax([1, 2]))).toEqual({ names: [], effective: true, malformed: true });
    expect(fileCapabilities(asPax([...le(0x05000000), ...le(1), ...le(0), ...le(0), ...le(0)]))).toMatchObject({ malformed: true });
    expect(fileCapabilities("")).toMatchObject({ malformed: true });
  });
});
