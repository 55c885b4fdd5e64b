/**
 * Linux capabilities by bit number (linux/capability.h), as Docker spells them in
 * --cap-add / --cap-drop (no "CAP_" prefix), and the decoding of a CapEff mask.
 */
export const CAPABILITY_NAMES: readonly string[] = [
  "CHOWN", "DAC_OVERRIDE", "DAC_READ_SEARCH", "FOWNER", "FSETID", "KILL", "SETGID", "SETUID",
  "SETPCAP", "LINUX_IMMUTABLE", "NET_BIND_SERVICE", "NET_BROADCAST", "NET_ADMIN", "NET_RAW",
  "IPC_LOCK", "IPC_OWNER", "SYS_MODULE", "SYS_RAWIO", "SYS_CHROOT", "SYS_PTRACE", "SYS_PACCT",
  "SYS_ADMIN", "SYS_BOOT", "SYS_NICE", "SYS_RESOURCE", "SYS_TIME", "SYS_TTY_CONFIG", "MKNOD",
  "LEASE", "AUDIT_WRITE", "AUDIT_CONTROL", "SETFCAP", "MAC_OVERRIDE", "MAC_ADMIN", "SYSLOG",
  "WAKE_ALARM", "BLOCK_SUSPEND", "AUDIT_READ", "PERFMON", "BPF", "CHECKPOINT_RESTORE",
];

/** "CAP_NET_BIND_SERVICE", "net_bind_service" and "NET_BIND_SERVICE" are the same capability. */
export function normaliseCapability(name: string): string {
  const upper = name.trim().toUpperCase();
  return upper.startsWith("CAP_") ? upper.slice(4) : upper;
}

/**
 * The capability names set in a /proc/<pid>/status mask such as "0000000000000400"
 * (→ ["NET_BIND_SERVICE"]); bits without a known name come out as "CAP_<bit>".
 */
export function decodeCapabilities(hexMask: string): string[] {
  const text = hexMask.trim();
  if (!/^[0-9a-fA-F]{1,16}$/.test(text)) throw new Error(`'${hexMask}' is not a capability mask`);
  let mask = BigInt(`0x${text}`);
  const names: string[] = [];
  for (let bit = 0; mask !== 0n; bit++, mask >>= 1n) {
    if ((mask & 1n) === 1n) names.push(CAPABILITY_NAMES[bit] ?? `CAP_${bit}`);
  }
  return names;
}
