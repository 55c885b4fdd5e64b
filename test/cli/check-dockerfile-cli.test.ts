/**
 * imgpolicy check IMAGE --dockerfile FILE: the Dockerfile an image was built elsewhere
 * from is linted with it (IMG-DF-*, Dockerfile:line locations) and cross-checked with the
 * image; --target and --build-arg say how it was built; bad input is exit 2 with one line.
 */
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { buildImage } from "../../fixtures/image-writer.js";
import { writeOciLayout } from "../../fixtures/oci-layout-writer.js";
import { runCli } from "./run-cli.js";

let dir: string;
let image: string;

const DOCKERFILE = `FROM imgpolicy-base/golang:1.19 AS build
WORKDIR /src
COPY . .
RUN go build -o /app .

FROM scratch AS runtime
COPY --from=build /app /app
USER 65532:65532
ENTRYPOINT ["/app"]

FROM runtime AS debug
USER root
`;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "imgpolicy-check-dockerfile-"));
  const img = buildImage({
    layers: [{ files: [{ path: "/app", content: "#!/app\n", mode: 0o755 }] }],
    config: { User: "65532:65532", Entrypoint: ["/app"] },
  });
  image = `oci:${join(dir, "image")}:1`;
  await writeOciLayout(join(dir, "image"), [{ image: img, refName: "1" }]);
  await writeFile(join(dir, "Dockerfile"), DOCKERFILE);
  await writeFile(join(dir, "Broken.Dockerfile"), "FROM scratch\nCOPY\n");
});
afterAll(() => rm(dir, { recursive: true, force: true }));

const json = async (...args: string[]) => {
  const r = await runCli("check", image, "--format", "json", "--dockerfile", join(dir, "Dockerfile"), ...args);
  const results = JSON.parse(r.stdout).images[0].results as { rule: string; status: string; reason?: string; findings: { message: string; location?: { dockerfile?: { file: string; line: number } } }[] }[];
  return { r, result: (id: string) => results.find((x) => x.rule === id)! };
};

describe("imgpolicy check --dockerfile", () => {
  it("lints the Dockerfile with the image: findings point at Dockerfile:line", async () => {
    const { r, result } = await json();
    expect(r.stderr).toBe("");
    // the last stage (debug) is the final one: it runs as root, unlike the image
    const user = result("IMG-DF-007");
    expect(user.status).toBe("fail");
    expect(user.findings[0]!.location?.dockerfile).toEqual({ file: join(dir, "Dockerfile"), line: 12 });
    const cross = result("IMG-DF-015");
    expect(cross.status).toBe("fail");
  });

  it("--target says which stage was built: the runtime stage matches the image", async () => {
    const { r, result } = await json("--target", "runtime");
    expect(r.stderr).toBe("");
    expect(result("IMG-DF-007").status).toBe("pass");
    expect(result("IMG-DF-015").status).toBe("pass");
  });

  it("without --dockerfile the Dockerfile rules do not apply", async () => {
    const r = await runCli("check", image, "--format", "json");
    const df = (JSON.parse(r.stdout).images[0].results as { rule: string; status: string }[]).filter((x) => x.rule.startsWith("IMG-DF-"));
    expect(df.length).toBeGreaterThan(0);
    expect(new Set(df.map((x) => x.status))).toEqual(new Set(["skip"]));
  });

  it("bad input is one line and exit 2", async () => {
    const cases: [string[], RegExp][] = [
      [["--dockerfile", join(dir, "missing")], /--dockerfile .*missing: no such file/],
      [["--dockerfile", join(dir, "Dockerfile"), "--target", "prod"], /--target prod: .* has no stage of that name \(its stages are build, runtime, debug\)/],
      [["--dockerfile", join(dir, "Broken.Dockerfile")], /Broken\.Dockerfile:2/],
      [["--target", "runtime"], /--target goes with --build CONTEXT \(or --dockerfile FILE\)/],
      [["--dockerfile", join(dir, "Dockerfile"), "--build", dir], /--dockerfile goes with images built elsewhere/],
    ];
    for (const [args, message] of cases) {
      const r = await runCli("check", ...(args.includes("--build") ? [] : [image]), ...args);
      expect(r.code, args.join(" ")).toBe(2);
      expect(r.stderr.trim().split("\n"), args.join(" ")).toHaveLength(1);
      expect(r.stderr).toMatch(message);
      expect(r.stdout).toBe("");
    }
  });
});
