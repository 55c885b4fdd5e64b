/**
 * File capabilities: the `security.capability` extended attribute (a tar's
 * SCHILY.xattr.security.capability pax record), as the kernel reads it (struct
 * vfs_cap_data, little-endian): a version and the effective flag, then the permitted and
 * inheritable sets, 32 bits (version 1) or 64 (versions 2 and 3, 3 with a root uid). A
 * program with them gets those capabilities when it runs, as a setuid-root one gets root.
 */
import { nameBytes } from "../../tar/name-bytes.js";
import { CAPABILITIES } from "./capability-names.js";

export interface FileCapabilities {
  /** The permitted and inheritable sets together, by name (CAP_NET_RAW, …; CAP_63 for a bit with no name). */
  names: string[];
  /** Raised in the effective set at exec ("+ep"), not only permitted. */
  effective: boolean;
  /** The attribute is not one the kernel reads (wrong size or version): what it would grant is unknown. */
  malformed?: true;
}

/** The capabilities a security.capability value grants; undefined when it grants none. */
export function fileCapabilities(value: string): FileCapabilities | undefined {
  const b = nameBytes(value);
  const version = b.length >= 4 ? b.readUInt32LE(0) & 0xff000000 : 0;
  const words = version === 0x01000000 ? 1 : version === 0x02000000 || version === 0x03000000 ? 2 : 0;
  const size = words === 1 ? 12 : version === 0x02000000 ? 20 : 24;
  if (words === 0 || b.length !== size) return { names: [], effective: true, malformed: true };
  const names: string[] = [];
  for (let w = 0; w < words; w++) {
    const set = b.readUInt32LE(4 + w * 8) | b.readUInt32LE(8 + w * 8);
    for (let bit = 0; bit < 32; bit++) {
      if (set & (1 << bit)) names.push(`CAP_${CAPABILITIES[w * 32 + bit] ?? w * 32 + bit}`);
    }
  }
  if (names.length === 0) return undefined;
  return { names, effective: (b.readUInt32LE(0) & 1) === 1 };
}

/** A capability set as getcap writes it: `CAP_NET_RAW,CAP_SETUID+ep` (`+p` when not raised in the effective set). */
export function capabilitySetText(names: readonly string[], effective: boolean): string {
  return `${names.join(",")}${effective ? "+ep" : "+p"}`;
}
