/**
 * imgpolicy check --build --target --build-arg: the Dockerfile rules judge the stage that
 * was built, with the build args it was given, not the Dockerfile's last stage with its
 * ARG defaults. The images are FROM scratch (nothing to pull), labelled imgpolicy.test=1
 * and removed after each check.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { makeContext } from "../build/helpers.js";
import { runCli } from "./run-cli.js";

const DOCKERFILE = [
  "FROM scratch AS runtime", // 1
  "ARG UID=0", // 2
  "COPY app /app", // 3
  "USER ${UID}", // 4
  'ENTRYPOINT ["/app"]', // 5
  "", // 6
  "FROM runtime AS debug", // 7
  "USER root", // 8
  'ENTRYPOINT ["/app", "--debug"]', // 9
].join("\n");

interface Result {
  rule: string;
  status: string;
  reason?: string;
  findings: { message: string; location?: { dockerfile?: { line: number } } }[];
}

let ctx: Awaited<ReturnType<typeof makeContext>>;
beforeAll(async () => {
  ctx = await makeContext({ Dockerfile: DOCKERFILE, app: "#!/app\n", ".dockerignore": "Dockerfile\n" });
});
afterAll(() => ctx?.remove());

/** Builds with the flags, checks with the base policy, and returns the Dockerfile rules' results by id. */
async function checkBuilt(...flags: string[]): Promise<Map<string, Result>> {
  const r = await runCli("check", "--build", ctx.dir, ...flags, "--label", "imgpolicy.test=1", "--policy", "base", "--format", "json", "--quiet");
  expect(r.stderr).toBe("");
  expect([0, 1]).toContain(r.code);
  const report = JSON.parse(r.stdout) as { images: { error?: string; results: Result[] }[] };
  expect(report.images[0]!.error).toBeUndefined();
  return new Map(report.images[0]!.results.filter((x) => x.rule.startsWith("IMG-DF-")).map((x) => [x.rule, x]));
}

describe("imgpolicy check --build --target", () => {
  it("lints the --target stage with the --build-arg values, as the image was built", async () => {
    const r = await checkBuilt("--target", "RUNTIME", "--build-arg", "UID=65532");
    // the built image is the runtime stage as user 65532: the lint agrees with it
    expect(r.get("IMG-DF-007")?.status).toBe("pass"); // non-root USER ${UID}, not the debug stage's USER root
    expect(r.get("IMG-DF-015")?.status).toBe("pass"); // USER 65532 is the image's User
    expect(r.get("IMG-DF-016")?.status).toBe("pass"); // ENTRYPOINT ["/app"] is the image's Entrypoint
  });

  it("without the build arg, judges the target stage's ARG default", async () => {
    const r = await checkBuilt("--target", "runtime");
    const user = r.get("IMG-DF-007")!;
    expect(user.status).toBe("fail");
    expect(user.findings[0]!.message).toContain("The final USER is '0' (line 4)");
    expect(r.get("IMG-DF-015")?.status).toBe("pass"); // USER 0 is what the image records
    expect(r.get("IMG-DF-016")?.status).toBe("pass");
  });

  it("an unknown --target is exit 2 before anything is built, naming the stages", async () => {
    const r = await runCli("check", "--build", ctx.dir, "--target", "prod", "--label", "imgpolicy.test=1", "--quiet");
    expect(r.code).toBe(2);
    expect(r.stdout).toBe("");
    expect(r.stderr.trim()).toMatch(/^imgpolicy: --target prod: .*Dockerfile has no stage of that name \(its stages are runtime, debug\)$/);
  });
});
