/**
 * ELF e_machine values, their conventional names, and the Go/OCI architecture
 * name a binary of that kind runs as (what an image's platform says).
 */

export interface MachineNames {
  /** The conventional name (uname -m style): x86_64, aarch64, ppc64le, ... */
  readonly name: string;
  /** The Go/OCI architecture name: amd64, arm64, ppc64le, ...; undefined when there is none. */
  readonly goarch?: string;
}

const EM_386 = 3;
const EM_68K = 4;
const EM_SPARC = 2;
const EM_MIPS = 8;
const EM_PPC = 20;
const EM_PPC64 = 21;
const EM_S390 = 22;
const EM_ARM = 40;
const EM_SPARCV9 = 43;
const EM_IA_64 = 50;
const EM_X86_64 = 62;
const EM_AARCH64 = 183;
const EM_RISCV = 243;
const EM_BPF = 247;
const EM_LOONGARCH = 258;

export function machineNames(machine: number, cls: 32 | 64, little: boolean): MachineNames {
  switch (machine) {
    case EM_X86_64:
      return { name: "x86_64", goarch: "amd64" };
    case EM_386:
      return { name: "i386", goarch: "386" };
    case EM_AARCH64:
      return little ? { name: "aarch64", goarch: "arm64" } : { name: "aarch64_be", goarch: "arm64be" };
    case EM_ARM:
      return little ? { name: "arm", goarch: "arm" } : { name: "armeb", goarch: "armbe" };
    case EM_RISCV:
      return cls === 64 ? { name: "riscv64", goarch: "riscv64" } : { name: "riscv32" };
    case EM_PPC64:
      return little ? { name: "ppc64le", goarch: "ppc64le" } : { name: "ppc64", goarch: "ppc64" };
    case EM_PPC:
      return { name: "ppc", goarch: "ppc" };
    case EM_S390:
      return cls === 64 ? { name: "s390x", goarch: "s390x" } : { name: "s390", goarch: "s390" };
    case EM_MIPS:
      if (cls === 64) return little ? { name: "mips64el", goarch: "mips64le" } : { name: "mips64", goarch: "mips64" };
      return little ? { name: "mipsel", goarch: "mipsle" } : { name: "mips", goarch: "mips" };
    case EM_LOONGARCH:
      return cls === 64 ? { name: "loongarch64", goarch: "loong64" } : { name: "loongarch32" };
    case EM_SPARCV9:
      return { name: "sparc64", goarch: "sparc64" };
    case EM_SPARC:
      return { name: "sparc", goarch: "sparc" };
    case EM_IA_64:
      return { name: "ia64" };
    case EM_68K:
      return { name: "m68k" };
    case EM_BPF:
      return { name: "bpf" };
    default:
      return { name: `unknown(${machine})` };
  }
}
