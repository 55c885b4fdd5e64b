/**
 * Hostile input reaches no terminal raw: an image whose every text field holds terminal
 * sequences, C1 controls, bidi overrides and forged lines, read through the real binary
 * (`npm run build` first: bin/ runs dist/). Whatever the command prints, as text, JUnit
 * or Markdown, on stdout or in an error on stderr, holds no control character but the
 * newlines the program writes itself, and no line that a field started.
 */
import { spawnSync } from "node:child_process";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { writeDockerArchive } from "../../fixtures/docker-archive-writer.js";
import { buildImage } from "../../fixtures/image-writer.js";

/** Sets the window title, clears the screen, forges a passing line, reverses text, a C1 CSI, DEL, then a bare LF that would start a line of its own. */
const H = "\x1b]0;pwned\x07\x1b[2J\r✓ all checks passed\u202e\u009b[31m\x7f\nFORGED line";
/** The same without line ends, for fields that are lines in a file (os-release). */
const H1 = "\x1b]0;pwned\x07\x1b[2J\u202e\u009b[31m\x7f\u200b\ufeff";

/** What may not appear raw: C0 but LF, DEL, C1, bidi controls, line separators, invisible format characters. */
const RAW = /[\u0000-\u0009\u000b-\u001f\u007f-\u009f\u00ad\u061c\u200b\u200e\u200f\u2028\u2029\u202a-\u202e\u2060-\u2064\u2066-\u2069\ufeff]/u;

/** The output is clean: no raw control character, no line that a field's LF or CR started. */
function expectClean(text: string): void {
  const raw = RAW.exec(text);
  expect(raw, raw ? `raw U+${raw[0].charCodeAt(0).toString(16).padStart(4, "0")} at ${raw.index}: ${JSON.stringify(text.slice(Math.max(0, raw.index - 40), raw.index + 40))}` : "").toBeNull();
  for (const line of text.split("\n")) expect(line).not.toMatch(/^\s*(FORGED|✓ all checks passed)/);
}

function imgpolicy(...args: string[]): { code: number | null; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, ["bin/imgpolicy.js", ...args], { encoding: "utf8", timeout: 60_000, env: { ...process.env, DOCKER_HOST: "unix:///nonexistent/docker.sock" } });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

let dir: string;
let archive: string;
let tagged: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "imgpolicy-hostile-"));
  const img = buildImage(
    {
      layers: [
        {
          createdBy: `/bin/sh -c ${H}`,
          files: [
            { path: "/etc/os-release", content: `ID=evil\nPRETTY_NAME="Evil ${H1}"\n` },
            { path: "/etc/passwd", content: "root:x:0:0::/root:/bin/sh\n" },
            { path: "/bin/sh", content: "#!/bin/false\n", mode: 0o755 },
            { path: `/usr/bin/su${H}`, content: "x", mode: 0o4755 },
            { path: "/opt/x<img src=x onerror=alert(1)>|`y`<b>", content: "x", mode: 0o4755 },
            { path: `/srv/drop${H}`, type: "dir", mode: 0o777 },
            { path: `/app/.env${H}`, content: "TOKEN=abc\n" },
            { path: `/root/.ssh${H}/id_rsa`, content: "-----BEGIN OPENSSH PRIVATE KEY-----\nb3BlbnNzaC1rZXktdjEAAAAABG5vbmUAAAAEbm9uZQAAAAAAAAABAAAAMwAAAAtzc2gtZW\n-----END OPENSSH PRIVATE KEY-----\n" },
          ],
        },
      ],
      emptyLayerHistory: [`ENV ${H}`],
      config: {
        User: `app${H}`,
        WorkingDir: `/work${H}`,
        Entrypoint: [`/app${H}`],
        Cmd: [`--flag=${H}`],
        Env: [`PATH=/bin`, `NAME${H}=value${H}`, `API_TOKEN${H}=ghp_0123456789abcdefghijklmnopqrstuvwxyz${H}`],
        Labels: { [`org.label${H}`]: `value${H}`, maintainer: `m${H}` },
        ExposedPorts: { [`80${H}/tcp`]: {} },
        Volumes: { [`/data${H}`]: {} },
        StopSignal: `SIG${H}`,
        Healthcheck: { Test: ["CMD", `/probe${H}`] },
      },
    },
    { compression: "none" },
  );
  archive = join(dir, "hostile.tar");
  await writeDockerArchive(archive, [{ image: img, tags: ["hostile:1"] }], { format: "classic" });
  tagged = join(dir, "tagged.tar");
  await writeDockerArchive(tagged, [{ image: img, tags: [`evil:t${H}`] }], { format: "classic" });
});
afterAll(() => rm(dir, { recursive: true, force: true }));

describe("hostile fields in an image", () => {
  it("inspect shows them escaped, each on its own line", () => {
    const r = imgpolicy("inspect", `docker-archive:${archive}`);
    expect(r.stderr).toBe("");
    expect(r.code).toBe(0);
    expectClean(r.stdout);
    expect(r.stdout).toContain("org.label\\x1b]0;pwned\\x07\\x1b[2J\\x0d✓ all checks passed\\u202e\\x9b[31m\\x7f\\x0aFORGED line=value");
    expect(r.stdout).toMatch(/workdir +\/work\\x1b\]0;pwned/);
    expect(r.stdout).toMatch(/os +Evil \\x1b\]0;pwned\\x07\\x1b\[2J\\u202e\\x9b\[31m\\x7f\\u200b\\ufeff/);
    expect(r.stdout).toMatch(/user +app\\x1b/);
  });

  it("inspect --json keeps every value exact, and writes no raw control character", () => {
    const r = imgpolicy("inspect", "--json", `docker-archive:${archive}`);
    expect(r.code).toBe(0);
    expect(r.stdout).not.toMatch(RAW);
    const facts = JSON.parse(r.stdout);
    expect(facts.config.labels[`org.label${H}`]).toBe(`value${H}`);
    expect(facts.config.workingDir).toBe(`/work${H}`);
  });

  for (const format of ["text", "junit", "markdown", "sarif", "json"]) {
    it(`check --format ${format} shows them escaped`, () => {
      const r = imgpolicy("check", "-p", "base", "--format", format, "--verbose", `docker-archive:${archive}`);
      expect(r.stderr).toBe("");
      expect(r.code).toBe(1);
      expectClean(r.stdout);
      expect(r.stdout).toMatch(/\\(x1b|u001b)\]0;pwned/);
      if (format === "text") expect(r.stdout).toContain("\\x1b]0;pwned\\x07\\x1b[2J\\x0d✓ all checks passed");
      if (format === "markdown") {
        // outside code spans, a path's HTML and table pipes are escaped; inside one, they are literal text
        expect(r.stdout).toContain("/opt/x&lt;img src=x onerror=alert(1)&gt;\\|\\`y\\`&lt;b&gt; (layer 1) is setuid");
        expect(r.stdout).toContain("``/opt/x<img src=x onerror=alert(1)>|`y`<b> (layer 1)``");
        expect(r.stdout.replace(/``.*?``/g, "")).not.toMatch(/<img|`y`<b>/);
      }
    });
  }
});

describe("hostile text in errors", () => {
  const oneCleanLine = (r: { code: number | null; stdout: string; stderr: string }) => {
    expect(r.code).toBe(2);
    expectClean(r.stdout + r.stderr);
    expect(r.stderr.trimEnd().split("\n")).toHaveLength(1);
    expect(r.stderr).toMatch(/^imgpolicy: /);
  };

  it("a reference holding terminal sequences", () => {
    const r = imgpolicy("inspect", `bad${H}`);
    oneCleanLine(r);
    expect(r.stderr).toContain("bad\\x1b]0;pwned\\x07");
  });

  it("a tag holding control characters, asked for or listed from the archive", () => {
    oneCleanLine(imgpolicy("inspect", `docker-archive:${archive}:hostile:1${H}`));
    oneCleanLine(imgpolicy("inspect", `registry.invalid/app:v${H}`));
    const r = imgpolicy("inspect", `docker-archive:${tagged}:other:1`);
    oneCleanLine(r);
    expect(r.stderr).toContain("tags present: evil:t\\x1b]0;pwned");
  });

  it("a file that does not parse, quoted in the message", async () => {
    const layout = join(dir, "layout");
    await rm(layout, { recursive: true, force: true });
    const { mkdir } = await import("node:fs/promises");
    await mkdir(layout);
    await writeFile(join(layout, "oci-layout"), '{"imageLayoutVersion":"1.0.0"}');
    await writeFile(join(layout, "index.json"), `{"manifests": ${H}`);
    const r = imgpolicy("inspect", `oci:${layout}`);
    oneCleanLine(r);
    expect(r.stderr).toContain("not valid JSON");
    // --debug: the chain of causes with stack frames, each message still on one line
    const debug = imgpolicy("--debug", "inspect", `oci:${layout}`);
    expect(debug.code).toBe(2);
    expectClean(debug.stderr);
    expect(debug.stderr).toMatch(/\n {4}at /);
  });

  it("check: an image that cannot be read, in the report and on stderr", () => {
    for (const format of ["text", "junit", "markdown"]) {
      const r = imgpolicy("check", "-p", "base", "--format", format, `docker-archive:/no/such${H}.tar`);
      expect(r.code).toBe(2);
      expectClean(r.stdout + r.stderr);
    }
  });

  it("policy validate: the file's name and its keys", async () => {
    const policy = join(dir, `policy${H}.yaml`);
    await writeFile(policy, `rules:\n  "IMG-X${H1}": { severity: high }\n"bad${H1}": 1\n`);
    const r = imgpolicy("policy", "validate", policy);
    expect(r.code).toBe(2);
    expectClean(r.stdout + r.stderr);
  });

  it("rules: an unknown id", () => {
    oneCleanLine(imgpolicy("rules", `IMG-${H}`));
  });

  it("an unknown option or command", () => {
    oneCleanLine(imgpolicy("inspect", `--frob${H}`, "x"));
    oneCleanLine(imgpolicy(`insp${H}`));
  });
});
