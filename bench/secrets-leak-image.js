/**
 * The leak image of `npm run bench:secrets`: one image, built by the real engine (BuildKit,
 * FROM scratch + this host's static busybox), holding each leak of issue 14, then a few
 * probes that show which detector each scanner has:
 *
 *   leaks   build arg GITHUB_TOKEN (GitHub token) recorded in history by a RUN that uses it
 *           RUN DB_PASSWORD=… ./migrate
 *           /root/.ssh/id_rsa (OpenSSH private key) added, deleted by a later RUN
 *           /app/.env with AWS keys added, deleted by a later RUN
 *           /app/config.js holding a GitHub token
 *           /root/.npmrc with _authToken (an npm_ token)
 *           /root/.docker/config.json with auths
 *   probes  ENV GH_TOKEN (GitHub token), GitLab, Slack, Stripe, Google, PyPI, fine-grained
 *           GitHub tokens, a legacy (not npm_) .npmrc _authToken, .git-credentials, .netrc,
 *           a URL with a password, and a GitHub token under usr/share/ and under a test/ dir
 *
 * Every value is fake: derived from a fixed seed by sha256 (so the image is the same on every
 * run and no token-shaped literal sits in this source), in the token's documented shape. They
 * are never printed: callers print kinds and paths only, and `plantedValues()` lets them check.
 *
 * Cached as bench/.work/secrets-leak-VERSION/image.tar (docker save); the engine's tag
 * (imgpolicy-bench-secrets/leak:VERSION) is removed once saved.
 */
import { createHash } from "node:crypto";
import fs from "node:fs";
import path from "node:path";
import { WORK, run } from "./build-image.js";

/** Bump when what is built changes: the old archive is then rebuilt. */
export const LEAK_VERSION = "v1";
const TAG = `imgpolicy-bench-secrets/leak:${LEAK_VERSION}`;
const DOCKER = "/usr/bin/docker";
const BUSYBOX = "/bin/busybox";

const ALNUM = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
const UPPER_NUM = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
const LOWER_NUM = "abcdefghijklmnopqrstuvwxyz0123456789";
const B64 = ALNUM + "+/";

/** `n` characters of `alphabet`, the same for the same `seed` on every run. */
function fake(seed, n, alphabet = ALNUM) {
  let out = "";
  for (let i = 0; out.length < n; i++) {
    for (const b of createHash("sha256").update(`imgpolicy-bench-fake:${seed}:${i}`).digest()) {
      if (out.length < n) out += alphabet[b % alphabet.length];
    }
  }
  return out;
}

const V = {
  ghArg: "ghp_" + fake("gh-arg", 36),
  dbPassword: "s3cr3t" + fake("db", 6),
  awsId: "AKIA" + fake("aws-id", 16, UPPER_NUM),
  awsSecret: fake("aws-secret", 40, B64),
  ghConfig: "ghp_" + fake("gh-config", 36),
  npm: "npm_" + fake("npm", 36),
  dockerAuth: Buffer.from("ci-bot:" + fake("docker", 20)).toString("base64"),
  ghEnv: "ghp_" + fake("gh-env", 36),
  gitlab: "glpat-" + fake("gitlab", 20),
  slack: ["xoxb", fake("slack1", 12, "0123456789"), fake("slack2", 13, "0123456789"), fake("slack3", 24)].join("-"),
  stripe: "sk_" + "live_" + fake("stripe", 24),
  google: "AIza" + fake("google", 35),
  pypi: "pypi-" + "AgEIcHlwaS5vcmc" + fake("pypi", 60),
  finePat: "github_pat_" + fake("pat1", 22) + "_" + fake("pat2", 59),
  npmLegacy: fake("npm-legacy", 32, LOWER_NUM),
  gitCred: fake("git-cred", 18),
  netrc: fake("netrc", 18),
  urlPass: fake("url-pass", 16),
  ghShare: "ghp_" + fake("gh-share", 36),
  ghTest: "ghp_" + fake("gh-test", 36),
};
const KEY_BODY = Buffer.concat([Buffer.from("openssh-key-v1\0"), createHash("sha512").update("imgpolicy-bench-fake:key").digest(), createHash("sha512").update("imgpolicy-bench-fake:key2").digest()])
  .toString("base64")
  .replace(/(.{70})/g, "$1\n");
const KEY = ["-----BEGIN OPENSSH", " PRIVATE KEY-----\n", KEY_BODY, "\n-----END OPENSSH", " PRIVATE KEY-----\n"].join("");

/** Every planted value and a distinctive slice of each: none may appear in anything printed. */
export function plantedValues() {
  const out = [];
  for (const v of [...Object.values(V), KEY_BODY.slice(0, 64)]) out.push(v, v.slice(4, 20));
  return out;
}

/**
 * The leaks and probes, each { id, kind, where, probe?, match }: `where` is the path in the
 * image or the history/ENV item; `match` tells the comparison which finding is this one
 * ({ path } or { history: KEY } or { env: KEY }).
 */
export const LEAKS = [
  { id: "build-arg", kind: "build arg GITHUB_TOKEN (GitHub token) in history", where: "history: RUN using ARG GITHUB_TOKEN", match: { history: "GITHUB_TOKEN" } },
  { id: "run-assign", kind: "RUN DB_PASSWORD=… assignment", where: "history: RUN DB_PASSWORD=… ./migrate", match: { history: "DB_PASSWORD" } },
  { id: "deleted-key", kind: "OpenSSH private key, deleted later", where: "/root/.ssh/id_rsa", match: { path: "/root/.ssh/id_rsa" } },
  { id: "deleted-env", kind: ".env with AWS keys, deleted later", where: "/app/.env", match: { path: "/app/.env" } },
  { id: "config-js", kind: "GitHub token in a JS file", where: "/app/config.js", match: { path: "/app/config.js" } },
  { id: "npmrc", kind: ".npmrc _authToken (npm_ token)", where: "/root/.npmrc", match: { path: "/root/.npmrc" } },
  { id: "docker-config", kind: ".docker/config.json auths", where: "/root/.docker/config.json", match: { path: "/root/.docker/config.json" } },
  { id: "env", probe: true, kind: "ENV GH_TOKEN (GitHub token)", where: "config: ENV GH_TOKEN", match: { env: "GH_TOKEN" } },
  { id: "gitlab", probe: true, kind: "GitLab glpat- token", where: "/srv/probe/gitlab.yml", match: { path: "/srv/probe/gitlab.yml" } },
  { id: "slack", probe: true, kind: "Slack xoxb- token", where: "/srv/probe/slack.json", match: { path: "/srv/probe/slack.json" } },
  { id: "stripe", probe: true, kind: "Stripe sk_live_ key", where: "/srv/probe/stripe.py", match: { path: "/srv/probe/stripe.py" } },
  { id: "google", probe: true, kind: "Google AIza API key", where: "/srv/probe/maps.js", match: { path: "/srv/probe/maps.js" } },
  { id: "pypi", probe: true, kind: "PyPI pypi- token", where: "/srv/probe/.pypirc", match: { path: "/srv/probe/.pypirc" } },
  { id: "fine-pat", probe: true, kind: "GitHub github_pat_ token", where: "/srv/probe/ci.sh", match: { path: "/srv/probe/ci.sh" } },
  { id: "npm-legacy", probe: true, kind: ".npmrc _authToken (legacy, not npm_)", where: "/home/app/.npmrc", match: { path: "/home/app/.npmrc" } },
  { id: "git-credentials", probe: true, kind: ".git-credentials", where: "/home/app/.git-credentials", match: { path: "/home/app/.git-credentials" } },
  { id: "netrc", probe: true, kind: ".netrc password", where: "/home/app/.netrc", match: { path: "/home/app/.netrc" } },
  { id: "url-password", probe: true, kind: "URL with a password", where: "/srv/probe/db.conf", match: { path: "/srv/probe/db.conf" } },
  { id: "usr-share", probe: true, kind: "GitHub token under usr/share/", where: "/usr/share/app/token.txt", match: { path: "/usr/share/app/token.txt" } },
  { id: "test-dir", probe: true, kind: "GitHub token under a test/ dir", where: "/app/test/fixture.js", match: { path: "/app/test/fixture.js" } },
];

function contextFiles() {
  return {
    "migrate": ['#!/bin/sh', 'test -n "$DB_PASSWORD"', ""].join("\n"),
    "id_rsa": KEY,
    "env": `AWS_ACCESS_KEY_ID=${V.awsId}\nAWS_SECRET_ACCESS_KEY=${V.awsSecret}\n`,
    "config.js": `// settings (a fake token, planted by imgpolicy's bench)\nmodule.exports = {\n  port: 8080,\n  github: "${V.ghConfig}",\n};\n`,
    "npmrc": `registry=https://registry.npmjs.org/\n//registry.npmjs.org/:_authToken=${V.npm}\n`,
    "docker-config.json": JSON.stringify({ auths: { "registry.example.com": { auth: V.dockerAuth } } }, null, 2) + "\n",
    "probe/srv/probe/gitlab.yml": `gitlab:\n  url: https://gitlab.example.com\n  token: ${V.gitlab}\n`,
    "probe/srv/probe/slack.json": JSON.stringify({ channel: "#deploys", slack_token: V.slack }, null, 2) + "\n",
    "probe/srv/probe/stripe.py": `import stripe\n\nstripe.api_key = "${V.stripe}"\n`,
    "probe/srv/probe/maps.js": `const MAPS_KEY = "${V.google}";\nexport default MAPS_KEY;\n`,
    "probe/srv/probe/.pypirc": `[pypi]\nusername = __token__\npassword = ${V.pypi}\n`,
    "probe/srv/probe/ci.sh": `#!/bin/sh\nexport GH_PAT="${V.finePat}"\n`,
    "probe/home/app/.npmrc": `//registry.npmjs.org/:_authToken=${V.npmLegacy}\n`,
    "probe/home/app/.git-credentials": `https://ci-bot:${V.gitCred}@github.com\n`,
    "probe/home/app/.netrc": `machine api.example.com\n  login ci-bot\n  password ${V.netrc}\n`,
    "probe/srv/probe/db.conf": `database_url = postgres://app:${V.urlPass}@db.internal:5432/app\n`,
    "probe/usr/share/app/token.txt": `token=${V.ghShare}\n`,
    "probe/app/test/fixture.js": `export const token = "${V.ghTest}";\n`,
  };
}

const DOCKERFILE = [
  "FROM scratch",
  "COPY busybox /bin/busybox",
  "COPY busybox /bin/sh",
  "COPY migrate /app/migrate",
  "WORKDIR /app",
  "ARG GITHUB_TOKEN",
  'RUN test -n "$GITHUB_TOKEN"',
  `RUN DB_PASSWORD=${V.dbPassword} ./migrate`,
  "COPY id_rsa /root/.ssh/id_rsa",
  "COPY env /app/.env",
  "RUN /bin/busybox rm /root/.ssh/id_rsa",
  "RUN /bin/busybox rm /app/.env",
  "COPY config.js /app/config.js",
  "COPY npmrc /root/.npmrc",
  "COPY docker-config.json /root/.docker/config.json",
  `ENV GH_TOKEN=${V.ghEnv}`,
  "COPY probe/ /",
  "USER 65534:65534",
  'ENTRYPOINT ["/bin/sh"]',
  "",
].join("\n");

/**
 * Builds (or reuses) the leak image's docker-archive. Resolves { archive, ref, reused } or
 * { error } (one line: no engine, no busybox, a failed build).
 */
export async function buildLeakImage({ log }) {
  const dir = path.join(WORK, `secrets-leak-${LEAK_VERSION}`);
  const archive = path.join(dir, "image.tar");
  const ref = `docker-archive:${archive}`;
  if (fs.existsSync(archive)) {
    log(`leak image: reusing ${path.relative(process.cwd(), archive)}`);
    return { archive, ref, reused: true };
  }
  if (!fs.existsSync("/var/run/docker.sock") || !fs.existsSync(DOCKER)) return { error: "no Docker engine here (/var/run/docker.sock, /usr/bin/docker)" };
  if (!fs.existsSync(BUSYBOX)) return { error: `${BUSYBOX} (a static busybox) is needed for the RUN lines` };
  const ctx = path.join(dir, "ctx");
  fs.rmSync(dir, { recursive: true, force: true });
  for (const [name, text] of Object.entries(contextFiles())) {
    fs.mkdirSync(path.dirname(path.join(ctx, name)), { recursive: true });
    fs.writeFileSync(path.join(ctx, name), text, { mode: name === "migrate" ? 0o755 : 0o644 });
  }
  fs.copyFileSync(BUSYBOX, path.join(ctx, "busybox"));
  fs.chmodSync(path.join(ctx, "busybox"), 0o755);
  fs.writeFileSync(path.join(ctx, "Dockerfile"), DOCKERFILE);
  log(`leak image: building ${TAG} (BuildKit, FROM scratch)`);
  const env = { ...process.env, DOCKER_BUILDKIT: "1" };
  try {
    await run(DOCKER, ["build", "-q", "--build-arg", `GITHUB_TOKEN=${V.ghArg}`, "-t", TAG, ctx], { env });
    await run(DOCKER, ["save", "-o", archive + ".part", TAG]);
    fs.renameSync(archive + ".part", archive);
  } catch (err) {
    // the engine's message may quote the Dockerfile: keep only its first words, never a value
    return { error: `building the leak image failed (${redact(String(err.message).split("\n")[0]).slice(0, 160)})` };
  } finally {
    await run(DOCKER, ["image", "rm", "-f", TAG], { ok: [0, 1] }).catch(() => undefined);
    fs.rmSync(ctx, { recursive: true, force: true });
  }
  return { archive, ref, reused: false };
}

/** `text` with every planted value replaced by <planted>. */
export function redact(text) {
  let out = text;
  for (const v of plantedValues().sort((a, b) => b.length - a.length)) out = out.split(v).join("<planted>");
  return out;
}
