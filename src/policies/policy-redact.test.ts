/** policy show never prints a runtime.env value or a credential-shaped string of a setting. */
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { loadPolicy } from "./load-policy.js";
import { explainPolicy } from "./policy-explain.js";
import { hiddenValue, redactEnv, redactSecrets } from "./policy-redact.js";

const TOKEN = "ghp_" + "A1b2".repeat(9);
const DSN = "postgres://app:hunter2pw@db:5432/app";

describe("hiddenValue / redactEnv / redactSecrets", () => {
  it("shows that a value is set: first characters, length, kind", () => {
    expect(hiddenValue(TOKEN)).toBe("gh… (40 chars, a GitHub token)");
    expect(hiddenValue("s3cretpassword")).toBe("s3… (14 chars)");
    expect(hiddenValue("abc")).toBe("… (3 chars)");
  });

  it("hides every env value, whatever its shape; an empty one stays empty", () => {
    expect(redactEnv({ API_TOKEN: TOKEN, DB_PASSWORD: "hunter2pw", DSN, LOG_LEVEL: "debug", EMPTY: "" })).toEqual({
      API_TOKEN: "gh… (40 chars, a GitHub token)",
      DB_PASSWORD: "hu… (9 chars)",
      DSN: "po… (36 chars, a URL with an inline password)",
      LOG_LEVEL: "d… (5 chars)",
      EMPTY: "",
    });
  });

  it("redacts credentials in other strings at any depth, as the image config's texts are, and leaves the rest", () => {
    expect(redactSecrets({ cmd: ["--db", DSN, "--password", "hunter2pw", "--verbose"], n: 3, nested: { t: `token ${TOKEN}`, ok: "/tmp", kv: "API_KEY=abcdef123" } })).toEqual({
      cmd: ["--db", "postgres://app:hu…@db:5432/app", "--password", "hu…", "--verbose"],
      n: 3,
      nested: { t: "token gh…", ok: "/tmp", kv: "API_KEY=ab…" },
    });
  });
});

describe("explainPolicy hides secrets of the policy", () => {
  it("runtime.env values whole, and the credentials in command arguments", async () => {
    const dir = await mkdtemp(join(tmpdir(), "imgpolicy-redact-"));
    try {
      const file = join(dir, "pol.yaml");
      await writeFile(
        file,
        ["runtime:", "  env:", `    API_TOKEN: ${TOKEN}`, "    DB_PASSWORD: hunter2pw", `    DATABASE_URL: "${DSN}"`, "  command: [serve, --dsn, " + `"${DSN}"]`, ""].join("\n"),
      );
      const { policy, errors } = await loadPolicy(file);
      expect(errors).toEqual([]);
      const p = await explainPolicy(policy!);
      const text = JSON.stringify(p);
      for (const secret of [TOKEN, "hunter2pw", DSN]) expect(text).not.toContain(secret);
      const rt = Object.fromEntries(p.runtime.map((r) => [r.name, r.value]));
      expect(rt.env).toEqual({
        API_TOKEN: "gh… (40 chars, a GitHub token)",
        DB_PASSWORD: "hu… (9 chars)",
        DATABASE_URL: "po… (36 chars, a URL with an inline password)",
      });
      expect(rt.command).toEqual(["serve", "--dsn", "postgres://app:hu…@db:5432/app"]);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
