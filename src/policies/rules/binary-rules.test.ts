import { describe, expect, it } from "vitest";
import type { Facts } from "../../inspect/facts/types.js";
import type { AnyRule } from "../types.js";
import { rule as binariesArch, MAX_LISTED } from "./binaries-arch.js";
import { rule as entrypointArch } from "./entrypoint-arch.js";
import { rule as entrypointExecutable } from "./entrypoint-executable.js";
import { rule as entrypointInterpreter } from "./entrypoint-interpreter.js";
import { rule as entrypointStatic } from "./entrypoint-static.js";
import { rule as entrypointStripped } from "./entrypoint-stripped.js";
import { rule as goCgoDisabled } from "./go-cgo-disabled.js";
import { rule as goTrimpath } from "./go-trimpath.js";
import { dynamicElf, elf, entrypointAt, facts, goInfo, optionsErrors, run } from "./test-facts.js";
import { table, type Case } from "./test-rule-table.js";



const noCommand = facts();
const script = facts(entrypointAt("/app/run.sh"));
const armPlatform = (variant?: string) => ({ image: { platform: { os: "linux", architecture: "arm", ...(variant ? { variant } : {}) } } });
const arm32 = elf({ machine: 40, machineName: "arm", goarch: "arm", class: 32 });
const arm64 = elf({ machine: 183, machineName: "aarch64", goarch: "arm64" });

table(entrypointExecutable, [
  { name: "executable static binary", facts: facts(entrypointAt("/app", elf())), status: "pass" },
  { name: "executable script", facts: script, status: "pass" },
  { name: "no ENTRYPOINT/CMD", facts: noCommand, status: "skip", text: "IMG-CMD-002" },
  {
    name: "program missing",
    facts: facts({
      config: { entrypoint: ["/server"], entrypointForm: "exec" },
      entrypoint: { argv: ["/server"], program: "/server", found: false, problem: "/server does not exist in the image" },
    }),
    status: "fail",
    text: "The entrypoint program '/server' is not in the image: /server does not exist in the image.",
  },
  {
    name: "not in PATH",
    facts: facts({
      config: { cmd: ["app"], cmdForm: "exec" },
      entrypoint: { argv: ["app"], program: "app", found: false, problem: "'app' is not found in PATH (/usr/bin:/bin)" },
    }),
    status: "fail",
    text: "not found in PATH",
  },
  {
    name: "not executable",
    facts: facts(entrypointAt("/app", elf(), 3), { entrypoint: { executable: false, problem: "/app is not executable (mode 0644)" } }),
    status: "fail",
    text: "/app (layer 4) has no execute bit: /app is not executable (mode 0644)",
  },
  {
    name: "truncated ELF",
    facts: facts(entrypointAt("/app", elf({ error: "truncated ELF: program header table lies past the end of the file" }))),
    status: "fail",
    text: "starts like ELF but cannot be loaded: truncated ELF",
  },
  {
    name: "shell builtin first in a shell-form script",
    facts: facts({
      config: { cmd: ["/bin/sh", "-c", "cd /srv && ./run"], cmdForm: "shell" },
      entrypoint: { argv: ["/bin/sh", "-c", "cd /srv && ./run"], program: "cd", viaShell: true, found: false, problem: "'cd' is not found in PATH" },
    }),
    status: "skip",
    text: "shell builtin 'cd'",
  },
]);

table(entrypointStatic, [
  { name: "static", facts: facts(entrypointAt("/app", elf())), status: "pass" },
  { name: "static-pie", facts: facts(entrypointAt("/app", elf({ type: "DYN", pie: true, linkage: "static-pie" }))), status: "pass" },
  {
    name: "dynamic",
    facts: facts(entrypointAt("/usr/bin/app", dynamicElf(), 2)),
    status: "fail",
    text: "/usr/bin/app (layer 3) is dynamically linked (interpreter /lib64/ld-linux-x86-64.so.2; needs libc.so.6)",
  },
  { name: "dynamic with allowDynamic", facts: facts(entrypointAt("/app", dynamicElf())), options: { allowDynamic: true }, status: "pass" },
  { name: "no ENTRYPOINT/CMD", facts: noCommand, status: "skip", text: "neither ENTRYPOINT nor CMD" },
  { name: "script entrypoint", facts: script, status: "skip", text: "/app/run.sh is not an ELF binary" },
  {
    name: "program not found",
    facts: facts({ config: { cmd: ["/nope"], cmdForm: "exec" }, entrypoint: { argv: ["/nope"], program: "/nope", problem: "/nope does not exist in the image" } }),
    status: "skip",
    text: "IMG-BIN-001",
  },
]);

table(entrypointStripped, [
  { name: "stripped", facts: facts(entrypointAt("/app", elf())), status: "pass" },
  {
    name: "symbol table",
    facts: facts(entrypointAt("/app", elf({ stripped: false, sections: [".text", ".symtab", ".strtab"] }))),
    status: "fail",
    text: "/app (layer 2) is not stripped: it has a symbol table (.symtab)",
  },
  {
    name: "debug sections listed",
    facts: facts(entrypointAt("/app", elf({ stripped: false, debugInfo: true, sections: [".text", ".symtab", ".debug_info", ".zdebug_line"] }))),
    status: "fail",
    text: "carries debug information: .debug_info, .zdebug_line",
  },
  {
    name: "section headers not read",
    facts: facts(entrypointAt("/app", elf({ stripped: false, complete: false, problems: ["section headers not captured"] }))),
    status: "skip",
    text: "could not be read",
  },
  { name: "not ELF", facts: script, status: "skip", text: "not an ELF binary" },
]);

table(entrypointArch, [
  { name: "amd64 on amd64", facts: facts(entrypointAt("/app", elf())), status: "pass" },
  {
    name: "arm64 on amd64",
    facts: facts(entrypointAt("/app", arm64)),
    status: "fail",
    text: "/app (layer 2) is arm64 (aarch64, 64-bit) code, but the image platform is linux/amd64",
  },
  { name: "arm64 on arm64/v8", facts: facts(entrypointAt("/app", arm64), { image: { platform: { os: "linux", architecture: "arm64", variant: "v8" } } }), status: "pass" },
  { name: "platform spelled aarch64", facts: facts(entrypointAt("/app", arm64), { image: { platform: { os: "linux", architecture: "aarch64" } } }), status: "pass" },
  { name: "32-bit arm on arm/v7", facts: facts(entrypointAt("/app", arm32), armPlatform("v7")), status: "pass" },
  { name: "32-bit arm on arm/v6 (no level known)", facts: facts(entrypointAt("/app", arm32), armPlatform("v6")), status: "pass" },
  { name: "GOARM=6 on arm/v7", facts: facts(entrypointAt("/app", { ...arm32, go: goInfo({ GOARCH: "arm", GOARM: "6" }) }), armPlatform("v7")), status: "pass" },
  {
    name: "GOARM=7 on arm/v6",
    facts: facts(entrypointAt("/app", { ...arm32, go: goInfo({ GOARCH: "arm", GOARM: "7,softfloat" }) }), armPlatform("v6")),
    status: "fail",
    text: "built with GOARM=7,softfloat, which needs a newer CPU than arm/v6",
  },
  { name: "GOARM=7 on arm without variant", facts: facts(entrypointAt("/app", { ...arm32, go: goInfo({ GOARM: "7" }) }), armPlatform()), status: "pass" },
  { name: "32-bit arm on arm64", facts: facts(entrypointAt("/app", arm32), { image: { platform: { architecture: "arm64" } } }), status: "fail", text: "arm (arm, 32-bit) code" },
  {
    name: "GOAMD64=v3 on amd64/v2",
    facts: facts(entrypointAt("/app", elf({ go: goInfo({ GOAMD64: "v3" }) })), { image: { platform: { variant: "v2" } } }),
    status: "fail",
    text: "GOAMD64=v3",
  },
  {
    name: "machine with no OCI name",
    facts: facts(entrypointAt("/app", elf({ machine: 50, machineName: "ia64", goarch: undefined }))),
    status: "fail",
    text: "ia64 code, which no OCI platform runs",
  },
  { name: "no ENTRYPOINT/CMD", facts: noCommand, status: "skip" },
]);

table(goCgoDisabled, [
  { name: "CGO_ENABLED=0", facts: facts(entrypointAt("/app", elf({ go: goInfo({ CGO_ENABLED: "0", "-trimpath": "true" }) }))), status: "pass" },
  {
    name: "CGO_ENABLED=1",
    facts: facts(entrypointAt("/app", dynamicElf({ go: goInfo({ CGO_ENABLED: "1" }) }))),
    status: "fail",
    text: "/app (layer 2) was built with CGO_ENABLED=1 (go1.22.5)",
  },
  { name: "not Go", facts: facts(entrypointAt("/app", elf())), status: "skip", text: "not a Go binary" },
  { name: "Go without the setting", facts: facts(entrypointAt("/app", elf({ go: goInfo({}) }))), status: "skip", text: "does not record CGO_ENABLED" },
  { name: "no ELF", facts: script, status: "skip" },
]);

table(goTrimpath, [
  { name: "-trimpath=true", facts: facts(entrypointAt("/app", elf({ go: goInfo({ "-trimpath": "true", CGO_ENABLED: "0" }) }))), status: "pass" },
  {
    name: "no -trimpath",
    facts: facts(entrypointAt("/app", elf({ go: goInfo({ CGO_ENABLED: "0", "-ldflags": "-s -w" }) }))),
    status: "fail",
    text: "/app (layer 2) was built without -trimpath",
  },
  { name: "not Go", facts: facts(entrypointAt("/app", elf())), status: "skip", text: "not a Go binary" },
  { name: "Go without build settings", facts: facts(entrypointAt("/app", elf({ go: goInfo({}) }))), status: "skip", text: "no build settings" },
]);

table(entrypointInterpreter, [
  { name: "loader present", facts: facts(entrypointAt("/app", dynamicElf()), { entrypoint: { interpreterPresent: true } }), status: "pass" },
  {
    name: "loader missing (cgo binary in scratch)",
    facts: facts(entrypointAt("/app", dynamicElf()), { entrypoint: { interpreterPresent: false } }),
    status: "fail",
    text: "/app (layer 2) needs the loader /lib64/ld-linux-x86-64.so.2, which is not in the image",
  },
  { name: "static", facts: facts(entrypointAt("/app", elf())), status: "skip", text: "no program interpreter (static linkage)" },
  { name: "static-pie", facts: facts(entrypointAt("/app", elf({ type: "DYN", linkage: "static-pie" }))), status: "skip", text: "static-pie" },
  { name: "not checked", facts: facts(entrypointAt("/app", dynamicElf())), status: "skip", text: "was not checked" },
  { name: "no ENTRYPOINT/CMD", facts: noCommand, status: "skip" },
]);

const bin = (path: string, e: ReturnType<typeof elf>, layer = 1) => {
  const { sections: _sections, ...rest } = e;
  return { path, layer, size: 1000, mode: 0o755, elf: rest };
};

table(binariesArch, [
  { name: "all amd64", facts: facts({ binaries: [bin("/app", elf()), bin("/lib/libc.so.6", dynamicElf({ type: "DYN" }))] }), status: "pass" },
  {
    name: "one arm64 helper",
    facts: facts({ binaries: [bin("/app", elf()), bin("/usr/local/bin/helper", arm64, 4)] }),
    status: "fail",
    text: "/usr/local/bin/helper (layer 5) is arm64 (aarch64, 64-bit) code, but the image platform is linux/amd64.",
  },
  { name: "no ELF files", facts: facts(), status: "skip", text: "no ELF files" },
  {
    name: "unreadable header is left out",
    facts: facts({ binaries: [bin("/broken", elf({ machine: 0, machineName: "unknown", goarch: undefined, error: "ELF header not read" }))] }),
    status: "skip",
  },
]);

describe("IMG-BIN-008 listing", () => {
  it("lists every offender with path and layer, up to the cap, then counts the rest", () => {
    const many = Array.from({ length: MAX_LISTED + 5 }, (_, i) => bin(`/opt/arm/f${i}`, arm64, 2));
    const r = run(binariesArch, facts({ binaries: many }));
    expect(r.outcome.status).toBe("fail");
    if (r.outcome.status !== "fail") return;
    expect(r.outcome.findings).toHaveLength(MAX_LISTED + 1);
    expect(r.outcome.findings[0].location).toEqual({ path: "/opt/arm/f0", layer: 2 });
    expect(r.outcome.findings[MAX_LISTED].message).toMatch(`5 more ELF files are not for amd64 (${MAX_LISTED + 5} in all`);
  });
});

describe("binary findings say expected, found and where", () => {
  it("IMG-BIN-004", () => {
    const r = run(entrypointArch, facts(entrypointAt("/app", arm64, 2)));
    expect(r.outcome).toEqual({
      status: "fail",
      findings: [
        {
          message: "The entrypoint /app (layer 3) is arm64 (aarch64, 64-bit) code, but the image platform is linux/amd64.",
          location: { path: "/app", layer: 2 },
          expected: "amd64",
          found: "arm64 (aarch64, 64-bit) code",
        },
      ],
    });
  });

  it("IMG-BIN-002 rejects unknown options", () => {
    expect(optionsErrors(entrypointStatic, { allowDynamic: "yes" })).not.toEqual([]);
    expect(optionsErrors(entrypointStatic, { allowDynamic: true, other: 1 })).not.toEqual([]);
  });
});
