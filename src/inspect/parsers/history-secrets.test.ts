import { createHash } from "node:crypto";
import { describe, expect, it } from "vitest";
import { historySecrets, parseHistoryEntry, secretCopies } from "./history-secrets.js";

const GH = "ghp_" + "Q7wErTyUiOpAsDfGhJkLzXcVbNm123456789";
const hash = (v: string) => "sha256:" + createHash("sha256").update(v, "utf8").digest("hex");
const one = (createdBy: string) => historySecrets([{ created_by: createdBy }], 0, hash).map(({ via, key, kind, redacted }) => ({ via, key, kind, redacted }));

describe("parseHistoryEntry: what each builder records", () => {
  it("legacy build args (|N prefix) and the RUN's own assignments", () => {
    const e = parseHistoryEntry(`|2 GITHUB_TOKEN=${GH} MODE=prod /bin/sh -c DB_PASSWORD=s3cr3t ./migrate`);
    expect(e.instruction).toBe("RUN");
    expect(e.assignments).toEqual([
      { key: "GITHUB_TOKEN", value: GH, via: "build-arg" },
      { key: "MODE", value: "prod", via: "build-arg" },
      { key: "DB_PASSWORD", value: "s3cr3t", via: "run-assignment" },
    ]);
  });

  it("BuildKit RUN, ENV and ARG lines", () => {
    expect(parseHistoryEntry(`RUN |1 GITHUB_TOKEN=${GH} /bin/sh -c make # buildkit`).assignments).toEqual([{ key: "GITHUB_TOKEN", value: GH, via: "build-arg" }]);
    expect(parseHistoryEntry(`ENV API_KEY="a b" MODE=x # buildkit`).assignments).toEqual([
      { key: "API_KEY", value: "a b", via: "env" },
      { key: "MODE", value: "x", via: "env" },
    ]);
    expect(parseHistoryEntry("ARG NPM_TOKEN=abc # buildkit").assignments).toEqual([{ key: "NPM_TOKEN", value: "abc", via: "arg" }]);
    expect(parseHistoryEntry("ARG NPM_TOKEN # buildkit").assignments).toEqual([]);
  });

  it("legacy #(nop) ENV and ARG, in both ENV forms", () => {
    expect(parseHistoryEntry("/bin/sh -c #(nop)  ENV DB_PASSWORD=hunter22").assignments).toEqual([{ key: "DB_PASSWORD", value: "hunter22", via: "env" }]);
    expect(parseHistoryEntry("/bin/sh -c #(nop)  ENV DB_PASSWORD hunter 22").assignments).toEqual([{ key: "DB_PASSWORD", value: "hunter 22", via: "env" }]);
    expect(parseHistoryEntry("/bin/sh -c #(nop)  ARG GITHUB_TOKEN").assignments).toEqual([]);
  });

  it("RUN assignments: export, env, quoted; shell expansions are not literal secrets", () => {
    const e = parseHistoryEntry(`/bin/sh -c export API_TOKEN='t0k3n' && env PASSWORD="p w" app && X=$(cat /run/secrets/x) && TOKEN=$TOKEN y`);
    expect(e.assignments.map((a) => [a.key, a.value])).toEqual([["API_TOKEN", "t0k3n"], ["PASSWORD", "p w"]]);
  });
});

describe("historySecrets", () => {
  it("reports build args, RUN assignments and flags by IMG-ENV-001's judgement, with kind, key and redacted value", () => {
    expect(one(`|1 GITHUB_TOKEN=${GH} /bin/sh -c DB_PASSWORD=s3cr3t ./migrate --api-key=abcdef12345 --verbose=1`)).toEqual([
      { via: "build-arg", key: "GITHUB_TOKEN", kind: "github-token", redacted: "<github-token gh… 40 chars>" },
      { via: "run-assignment", key: "DB_PASSWORD", kind: "password", redacted: "<password s… 6 chars>" },
      { via: "run-assignment", key: "--api-key", kind: "api-key", redacted: "<api-key ab… 11 chars>" },
    ]);
  });

  it("reports a token outside any assignment once", () => {
    expect(one(`/bin/sh -c curl -H "x: ${GH}" https://example.test`)).toEqual([{ via: "token", key: undefined, kind: "github-token", redacted: "<github-token gh… 40 chars>" }]);
  });

  it("hashes the value with sha256 and names the layer when the history maps onto the layers", () => {
    const s = historySecrets([{ created_by: "/bin/sh -c #(nop) ADD file:x in /" }, { created_by: "ENV A=1", empty_layer: true }, { created_by: "RUN /bin/sh -c DB_PASSWORD=s3cr3t x # buildkit" }], 2, hash);
    expect(s).toMatchObject([{ index: 2, layer: 1, sha256: hash("s3cr3t") }]);
    expect(historySecrets([{ created_by: "RUN /bin/sh -c DB_PASSWORD=s3cr3t x" }], 5, hash)[0]!.layer).toBeUndefined();
  });

  it("finds nothing in ordinary build steps", () => {
    for (const t of [
      "/bin/sh -c #(nop)  ENV GPG_KEY=A035C8C19219BA821ECEA86B64E628F8D684696D",
      "/bin/sh -c set -eux; dpkgArch=\"$(dpkg --print-architecture)\"; url=https://go.dev/dl/go1.19.linux-amd64.tar.gz; sha256=abc",
      "ENV PATH=/usr/local/go/bin:/usr/bin GOLANG_VERSION=1.19 # buildkit",
      "RUN /bin/sh -c CGO_ENABLED=0 go build -trimpath -ldflags=-s -o /app . # buildkit",
      "RUN |1 REVISION=abc1234 /bin/sh -c go build # buildkit",
      "RUN /bin/sh -c NPM_TOKEN=$(cat /run/secrets/npm) npm ci # buildkit",
      "/bin/sh -c #(nop)  ARG PASSWORD_FILE=/run/secrets/db",
    ]) expect(one(t), t).toEqual([]);
  });
});

describe("secretCopies: a build secret left in a layer", () => {
  it.each([
    ["cp /run/secrets/npm /app/.npmrc", "/run/secrets/npm"],
    ["cat /run/secrets/token > /app/token", "/run/secrets/token"],
    ["echo \"$(cat /run/secrets/k)\" >> ~/.netrc", "/run/secrets/k"],
    ["cat /run/secrets/k | tee /etc/k", "/run/secrets/k"],
    ["install -m 600 /run/secrets/k /etc/k", "/run/secrets/k"],
    ["sudo mv /run/secrets/k /k", "/run/secrets/k"],
  ])("%s", (script, path) => {
    expect(secretCopies(script, ["/run/secrets/"]).map((c) => c.path)).toEqual([path]);
  });

  it.each([
    "NPM_TOKEN=$(cat /run/secrets/npm) npm ci",
    "npm ci --userconfig /run/secrets/npmrc",
    "cat /run/secrets/k > /dev/null",
    "cat /run/secrets/k 2>&1 | sha256sum",
    "test -f /run/secrets/k && echo ok > /tmp/ok",
  ])("not %s", (script) => {
    expect(secretCopies(script, ["/run/secrets/"])).toEqual([]);
  });

  it("BuildKit's history (no --mount flags recorded) and a secret mounted at a target", () => {
    expect(one(`RUN |1 REVISION=x /bin/sh -c cp /run/secrets/npm /app-npmrc || true # buildkit`)).toEqual([
      { via: "secret-mount-copy", key: "/run/secrets/npm", kind: "build-secret", redacted: "<build-secret /run/secrets/npm>" },
    ]);
    expect(parseHistoryEntry("RUN --mount=type=secret,id=npmrc,target=/root/.npmrc cp /root/.npmrc /app/").secretCopies.map((c) => c.path)).toEqual(["/root/.npmrc"]);
  });
});

describe("historySecrets: placeholders, templates and examples are not secrets; a URL's secret is its password", () => {
  it.each([
    "RUN /bin/sh -c TOKEN=xxx ./deploy # buildkit",
    "RUN /bin/sh -c PASSWORD=changeme ./init # buildkit",
    "/bin/sh -c DB_PASSWORD='${DB_PASSWORD}' envsubst < a > b",
    "RUN /bin/sh -c printf 'url: https://user:${PASSWORD}@db/app' > /etc/app.yml # buildkit",
    "RUN /bin/sh -c echo 'https://u:<password>@h https://u:{{.Pw}}@h http://user:pass@proxy' # buildkit",
    "/bin/sh -c #(nop)  ENV AWS_ACCESS_KEY_ID=AKIA" + "IOSFODNN7EXAMPLE AWS_SECRET_ACCESS_KEY=wJalrXUtnFEMI/K7MDENG/" + "bPxRfiCYEXAMPLEKEY",
    "ENV GITHUB_TOKEN=ghp_" + "x".repeat(36) + " # buildkit",
    "RUN |1 STRIPE_KEY=sk_live_" + "x".repeat(24) + " /bin/sh -c make # buildkit",
    "RUN /bin/sh -c echo AIza" + "X".repeat(35) + " AKIA" + "XXXXXXXXXXXXXXXX" + " > .env.example # buildkit",
    "ARG API_TOKEN=<your-token> # buildkit",
  ])("%s", (t) => {
    expect(one(t)).toEqual([]);
  });

  it("still finds real values beside placeholders", () => {
    expect(one(`RUN /bin/sh -c TOKEN=xxx PASSWORD=R3alPassw0rd ./x && echo ${GH} # buildkit`)).toEqual([
      { via: "run-assignment", key: "PASSWORD", kind: "password", redacted: "<password R3… 12 chars>" },
      { via: "token", key: undefined, kind: "github-token", redacted: "<github-token gh… 40 chars>" },
    ]);
  });

  it("hashes a URL's password, as IMG-FS-007 does, in an assignment and in free text", () => {
    const [a] = historySecrets([{ created_by: "RUN /bin/sh -c DATABASE_URL=postgres://app:Hunter2pw@db/app ./migrate # buildkit" }], 0, hash);
    expect(a).toMatchObject({ via: "run-assignment", kind: "url-credentials", redacted: "<url-credentials Hu… 9 chars>", sha256: hash("Hunter2pw") });
    const [t] = historySecrets([{ created_by: "RUN /bin/sh -c git clone https://bob:Hunter2pw@git.example/x # buildkit" }], 0, hash);
    expect(t).toMatchObject({ via: "token", kind: "url-credentials", redacted: "<url-credentials Hu… 9 chars>", sha256: hash("Hunter2pw") });
  });
});

describe("parseHistoryEntry: hostile entries take linear time (a backtracking regex took minutes on each)", () => {
  it("a long run of spaces before `# buildkit`, a long word with no `=` in ENV, a long word before `=`", () => {
    const spaces = parseHistoryEntry("RUN a" + " ".repeat(60_000) + "b # buildkit");
    expect(spaces.instruction).toBe("RUN");
    expect(parseHistoryEntry("RUN /bin/sh -c echo hi   #   buildkit").instruction).toBe("RUN");
    const env = parseHistoryEntry("/bin/sh -c #(nop)  ENV A=1 " + "a".repeat(60_000));
    expect(env.assignments).toEqual([{ key: "A", value: "1", via: "env" }]);
    const long = parseHistoryEntry("/bin/sh -c #(nop)  ENV " + "K".repeat(60_000) + "=v B=\"x y\" C='z' D=\"unclosed");
    expect(long.assignments.map((a) => [a.key.length, a.value])).toEqual([
      [60_000, "v"],
      [1, "x y"],
      [1, "z"],
      [1, '"unclosed'],
    ]);
  });
});

describe("scriptAssignments: the shell's word", () => {
  it("joins quoted and unquoted parts, so the finding's value (and its accept hash) is the whole password", async () => {
    const { scriptAssignments } = await import("./history-secrets.js");
    expect(scriptAssignments(`DB_PASSWORD="hu"nter2xyz ./migrate`)).toEqual([{ key: "DB_PASSWORD", value: "hunter2xyz", via: "run-assignment" }]);
    expect(scriptAssignments(`DB_PASSWORD='hu''nter2xyz'`)[0]?.value).toBe("hunter2xyz");
    expect(scriptAssignments(`A="x\\"y"z B=plain`).map((a) => a.value)).toEqual(['x"yz', "plain"]);
  });
});
