/**
 * Package manager commands in RUN steps (not a rule, not registered): which manager a
 * simple command runs and with which subcommand, for the IMG-HIST-* rules.
 */
import { runScript, type BuildStep } from "./build-history.js";
import { simpleCommands, subcommand, type SimpleCommand } from "./shell-commands.js";

export type Manager = "apt" | "apk" | "rpm" | "zypper" | "pacman";

export interface PackageCommand {
  manager: Manager;
  /** The program as run: "apt-get", "apk", "dnf"… */
  program: string;
  /** The subcommand ("install", "update"); for pacman its operation flag ("-Syu"). */
  sub: string;
  /** Arguments after the subcommand that are not options. */
  operands: string[];
  command: SimpleCommand;
}

const APT = new Set(["apt-get", "apt", "aptitude"]);
const RPM = new Set(["yum", "dnf", "dnf5", "microdnf", "tdnf"]);
const VALUE_OPTIONS: Record<Manager, readonly string[]> = {
  apt: ["-o", "-c", "-t", "--option", "--config-file", "--target-release", "--default-release"],
  apk: ["-X", "--repository", "-p", "--root", "--arch", "--cache-dir", "--keys-dir", "--repositories-file", "--wait", "--timeout", "--cache-max-age", "--progress-fd"],
  rpm: ["-c", "--config", "-d", "--debuglevel", "-e", "--errorlevel", "-x", "--exclude", "--installroot", "--releasever", "--setopt", "--enablerepo", "--disablerepo", "--repo", "--repoid"],
  zypper: ["-R", "--root", "--reposd-path", "-D", "--cache-dir", "--installroot"],
  pacman: [],
};

export function packageCommand(cmd: SimpleCommand): PackageCommand | undefined {
  const manager: Manager | undefined = APT.has(cmd.program)
    ? "apt"
    : cmd.program === "apk"
      ? "apk"
      : RPM.has(cmd.program)
        ? "rpm"
        : cmd.program === "zypper"
          ? "zypper"
          : cmd.program === "pacman"
            ? "pacman"
            : undefined;
  if (!manager) return undefined;
  if (manager === "pacman") {
    const op = cmd.args.find((a) => /^-[A-Z]/.test(a));
    return op ? { manager, program: cmd.program, sub: op, operands: cmd.args.filter((a) => !a.startsWith("-")), command: cmd } : undefined;
  }
  const sub = subcommand(cmd, VALUE_OPTIONS[manager]);
  return sub ? { manager, program: cmd.program, sub: sub.name, operands: sub.operands, command: cmd } : undefined;
}

/** A RUN step with the simple commands of its script. */
export interface RunStep {
  step: BuildStep;
  script: string;
  commands: SimpleCommand[];
  packages: PackageCommand[];
}

const runsOf = new WeakMap<readonly BuildStep[], readonly RunStep[]>();

/** The RUN steps of a step list, their scripts parsed once per list (buildSteps gives one list per image). */
export function runSteps(steps: readonly BuildStep[]): readonly RunStep[] {
  let runs = runsOf.get(steps);
  if (!runs) runsOf.set(steps, (runs = readRuns(steps)));
  return runs;
}

function readRuns(steps: readonly BuildStep[]): RunStep[] {
  const out: RunStep[] = [];
  for (const step of steps) {
    const script = runScript(step);
    if (script === undefined) continue;
    const commands = simpleCommands(script);
    const packages = commands.map(packageCommand).filter((p): p is PackageCommand => p !== undefined);
    out.push({ step, script, commands, packages });
  }
  return out;
}

/** Whether the script removes something under `dir` (`rm -rf /var/lib/apt/lists/*`, `find /var/cache/apk -delete`). */
export function removes(commands: readonly SimpleCommand[], dir: string): boolean {
  const under = (a: string) => a === dir || a.startsWith(dir + "/") || a.startsWith(dir + "*");
  return commands.some(
    (c) => (c.program === "rm" && c.args.some(under)) || (c.program === "find" && c.args.some(under) && c.args.includes("-delete")),
  );
}
