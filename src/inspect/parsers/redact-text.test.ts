import { describe, expect, it } from "vitest";
import { policySecretMatcher } from "./policy-secrets.js";
import { redactArgv, redactText, redactTokens, TOKEN_SCAN } from "./redact-text.js";
import { secretValueKind } from "./secret-values.js";

const GHP = "ghp_" + "A1b2C3d4E5f6G7h8I9j0K1l2M3n4O5p6Q7r8";
const NPM = "npm_" + "abcdefghijklmnopqrstuvwxyz0123456789";
const GLPAT = "glpat-" + "abcdefghij1234567890";
const JWT = "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxIn0.abcdEFGHijkl";

describe("redactText: what is redacted", () => {
  it("the legacy builder's build-arg prefix, by key name and by token format", () => {
    const out = redactText(`|3 GITHUB_TOKEN=${GHP} NPM_TOKEN=${NPM} MY_PASSWORD=hunter2 /bin/sh -c echo hi`);
    expect(out).toBe("|3 GITHUB_TOKEN=gh… NPM_TOKEN=np… MY_PASSWORD=h… /bin/sh -c echo hi");
  });

  it("tokens in known formats wherever they are, whatever the key", () => {
    expect(redactText(`MYVAR=${GHP}`)).toBe("MYVAR=gh…");
    expect(redactText("aws AKIAIOSFODNN7EXAMPLE key")).toBe("aws AK… key");
    expect(redactText(`x ${GLPAT} y`)).toBe("x gl… y");
    expect(redactText(`Bearer ${JWT}`)).toBe("Bearer ey…");
    expect(redactText("xoxb-1234567890-abcdefghij")).toBe("xo…");
    expect(redactText("sk_live_" + "a".repeat(24))).toBe("sk…");
  });

  it("a token longer than the scan's bound is redacted to its end", () => {
    expect(redactText(`t=${GHP}${"x".repeat(5000)} tail`)).toBe("t=gh… tail");
  });

  it("the password of a URL's userinfo", () => {
    expect(redactText("postgres://u:LabelPw999@h/db")).toBe("postgres://u:La…@h/db");
    expect(redactText(`git clone https://oauth2:${GLPAT}@gitlab.com/x`)).toBe("git clone https://oauth2:gl…@gitlab.com/x");
  });

  it("curl -u user:pass, --password X, --token=X, Authorization headers, secret-named headers", () => {
    expect(redactText("curl -u admin:CurlPw123456 https://x/")).toBe("curl -u admin:Cu… https://x/");
    expect(redactText("app --password hunter2hunter2 --port 80")).toBe("app --password hu… --port 80");
    expect(redactText("app --password=Cmd1Secret99")).toBe("app --password=Cm…");
    expect(redactText("app --token=abcdefgh12")).toBe("app --token=ab…");
    expect(redactText("curl -H 'Authorization: Bearer abc.def.ghi' x")).toBe("curl -H 'Authorization: Bearer ab…' x");
    // (a server's words: in brackets)
    expect(redactText("denied (Authorization: Bearer opaqueT0kenValue123, password=Hunter2Pass9)")).toBe("denied (Authorization: Bearer op…, password=Hu…)");
    expect(redactText("[password=Hunter2Pass9] {token=abcdef123456}")).toBe("[password=Hu…] {token=ab…}");
    expect(redactText('curl -H "Authorization: Basic dXNlcjpwYXNz" x')).toBe('curl -H "Authorization: Basic dX…" x');
    expect(redactText("curl -H 'Private-Token: s3cr3tvalue' x")).toBe("curl -H 'Private-Token: s3…' x");
  });

  it("a quoted value, even with spaces, and query-string secrets", () => {
    expect(redactText('ENV PASSWORD="a b c d" NEXT=1')).toBe('ENV PASSWORD="a…" NEXT=1');
    expect(redactText("wget https://h/x?access_token=abcdef12&y=1")).toBe("wget https://h/x?access_token=ab…&y=1");
  });

  it("a PEM private key, body and END line", () => {
    const out = redactText("k='-----BEGIN RSA PRIVATE KEY-----\nMIIabcdef\n-----END RSA PRIVATE KEY-----' after");
    expect(out).not.toContain("MIIabcdef");
    expect(out).toContain("after");
  });

  it("is idempotent: a text redacted once (e.g. by the ENV values first) keeps its redacted forms", () => {
    const once = redactText(`|2 GITHUB_TOKEN=${GHP} NPM_TOKEN=${NPM} PASSWORD=abc /bin/sh -c echo hi`);
    expect(once).toBe("|2 GITHUB_TOKEN=gh… NPM_TOKEN=np… PASSWORD=… /bin/sh -c echo hi");
    expect(redactText(once)).toBe(once);
  });

  it("a flag's value in the next argv element", () => {
    expect(redactArgv(["--password=Cmd1Secret99", "--token", GHP, "--port", "80"])).toEqual(["--password=Cm…", "--token", "gh…", "--port", "80"]);
    expect(redactArgv(["/hello", "-H", `Authorization: Bearer ${JWT}`])).toEqual(["/hello", "-H", "Authorization: Bearer ey…"]);
    expect(redactArgv(["curl", "-u", "admin:pw123456", "http://x"])).toEqual(["curl", "-u", "admin:pw…", "http://x"]);
  });
});

describe("redactText: values found by the attacker re-review", () => {
  it("an argv element after a secret flag is the value whole; a quoted text value runs to its closing quote", () => {
    expect(redactArgv(["mysql", "--password", "a b LEAKCMD1"])).toEqual(["mysql", "--password", "a …"]);
    expect(redactArgv(["x", "-u", "me:a b c"])).toEqual(["x", "-u", "me:a…"]);
    expect(redactText('mysql --password "a b LEAK1" db')).toBe('mysql --password "a …" db');
    expect(redactText("mysql --password 'a b LEAK1' db")).toBe("mysql --password 'a …' db");
    expect(redactText("mysql --password='a b LEAK1' db")).toBe("mysql --password='a …' db");
    expect(redactText('mysql --password "a \\" b LEAK1" db')).toBe('mysql --password "a …" db');
    expect(redactText("mysql --password $'a\\' LEAK1' db")).toBe("mysql --password $'a\\…' db");
  });

  it("JSON, `:`, ` = ` and tab separators after a secret-looking key name", () => {
    expect(redactText('{"token":"LEAKLBL1"}')).toBe('{"token":"LE…"}');
    expect(redactText('{"password": "a b LEAK", "user": "me"}')).toBe('{"password": "a …", "user": "me"}');
    expect(redactText("token: LEAKVAL1")).toBe("token: LE…");
    expect(redactText("token:LEAKVAL1")).toBe("token:LE…");
    expect(redactText("PASSWORD = LEAKVAL1")).toBe("PASSWORD = LE…");
    expect(redactText("aws_secret_access_key = wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY")).toBe("aws_secret_access_key = wJ…");
    expect(redactText("AWS_SECRET_ACCESS_KEY=wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY")).toBe("AWS_SECRET_ACCESS_KEY=wJ…");
    expect(redactText("password\tLEAKVAL1")).toBe("password\tLE…");
    expect(redactText("password\t LEAKVAL1")).toBe("password\t LE…");
  });

  it("Authorization:Bearer without a space, and Authorization:value", () => {
    expect(redactText("curl -H 'Authorization:Bearer LEAKLBL2' x")).toBe("curl -H 'Authorization:Bearer LE…' x");
    expect(redactText("curl -H 'Authorization:LEAKLBL2' x")).toBe("curl -H 'Authorization:LE…' x");
  });

  it("-p X and -pX after sshpass, mysql and docker login", () => {
    expect(redactText("sshpass -p LEAKHC1 ssh -p 22 x")).toBe("sshpass -p L… ssh -p 22 x");
    expect(redactText("docker login -u me -p LEAKHIS2 r.io && docker run -p 80:80 x")).toBe("docker login -u me -p LE… r.io && docker run -p 80:80 x");
    expect(redactText("docker login -u me --password LEAKHIS2 r.io")).toBe("docker login -u me --password LE… r.io");
    expect(redactText("/usr/bin/mysql -uroot -pLEAKPW1 db")).toBe("/usr/bin/mysql -uroot -pL… db");
    expect(redactText("mysqldump -p LEAKPW1 db")).toBe("mysqldump -p L… db");
    expect(redactArgv(["mysql", "-p", "a b LEAK"])).toEqual(["mysql", "-p", "a …"]);
  });

  it("curl -uuser:pass, attached", () => {
    expect(redactText("curl -uuser:LEAKPW12 https://x/")).toBe("curl -uuser:LE… https://x/");
  });

  it("a known token as a URL's user", () => {
    expect(redactText(`git clone https://${GHP}@github.com/x`)).toBe("git clone https://gh…@github.com/x");
    expect(redactText(`git clone https://${GLPAT}@gitlab.com/x`)).toBe("git clone https://gl…@gitlab.com/x");
  });

  it("KEY=value after export, declare and set -a, with $'…' and quoted values", () => {
    expect(redactText("docker login x && export DB_PASS=$'LEAKHIS3'")).toBe("docker login x && export DB_PASS=$'LE…'");
    expect(redactText("declare -x API_KEY=\"LEAK HIS4\"; x")).toBe("declare -x API_KEY=\"LE…\"; x");
    expect(redactText("set -a; PASS=LEAKHIS5; ./x")).toBe("set -a; PASS=LE…; ./x");
  });

  it("a token or value split by backslash-newline is joined first", () => {
    const split = `/bin/sh -c echo ${GHP.slice(0, 10)}\\\n${GHP.slice(10)} done`;
    expect(redactText(split)).toBe("/bin/sh -c echo gh… done");
    expect(redactText("TOKEN=LEAK\\\nVAL1 \\\n  OTHER=1")).toBe("TOKEN=LE… \\\n  OTHER=1");
    expect(redactText("echo a\\\\\nb")).toBe("echo a\\\\\nb");
  });
});

describe("redactText: what stays", () => {
  it.each([
    "--password-file=/run/secrets/db",
    "--password-file /run/secrets/db",
    "FOO=bar BAZ=qux /bin/sh -c make",
    "sha256:" + "ab".repeat(32),
    "http://user@host/x",
    "http://host:8080/path",
    "/bin/sh -c apt-get update && apt-get install -y curl sudo # step 1",
    "MYSQL_ALLOW_EMPTY_PASSWORD=yes",
    "GPG_KEY=B42F6819007F00F88E364FD4036A9C25BF357DD4",
    "org.opencontainers.image.source=https://github.com/o/r",
    "/bin/sh -c #(nop)  ENV STEP_000001=xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx",
    "app --port 80 -u 1000",
    "mkdir -p /a/b && ssh -p 22 host",
    "docker run -p 8080:80 img",
    "mysql -P 3306 -h db",
    "sshpass -f /run/pw ssh x",
    "sha256:" + "ab".repeat(32) + " image: alpine:3.19",
    "url: https://example.com/x",
    "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY",
    "AKIA-less 40 chars: wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY",
    "echo password reset = done",
    "passwords are stored elsewhere",
    "{\"name\":\"app\",\"version\":\"1.0\"}",
    "",
  ])("%j", (text) => {
    expect(redactText(text)).toBe(text);
  });
});

describe("redactText: agrees with the detectors, in linear time", () => {
  it("a value the token detector flags is no longer flagged once redacted: two characters are left", () => {
    for (const v of [GHP, NPM, GLPAT, JWT, "AKIA" + "Z7QWERTYUIOPASDF"]) {
      expect(secretValueKind(v)).toBeDefined();
      expect(secretValueKind(redactText(v))).toBeUndefined();
      expect(redactText(v)).toBe(`${v.slice(0, 2)}…`);
    }
  });

  it("the token scan has only bounded quantifiers", () => {
    const outsideClasses = TOKEN_SCAN.source.replace(/\\./g, "").replace(/\[[^\]]*\]/g, "");
    expect(outsideClasses).not.toMatch(/[*+]|\{\d+,\}/);
  });

  it("hostile texts (long runs of near-tokens, '://' and '=' by the hundred thousand) come back whole, or with their one secret redacted", () => {
    const unchanged = [
      "-eyJ" + "a".repeat(20) + "-eyJ".repeat(200_000),
      "a.".repeat(500_000),
      "x://a:b".repeat(100_000),
      "--password ".repeat(100_000),
      "ghp_" + "a".repeat(35) + "_" + "ghp_".repeat(100_000),
      ("glpat-" + "a".repeat(15) + " ").repeat(40_000),
      'K="\\'.repeat(100_000),
      "K=$'\\".repeat(100_000),
      "a\\\n".repeat(200_000),
      "x:".repeat(200_000),
      "mysql" + " -p".repeat(200_000),
    ];
    for (const t of unchanged) expect(redactText(t)).toBe(t);
    for (const t of ['"token":'.repeat(100_000), "PASSWORD = ".repeat(100_000), 'token:"'.repeat(100_000)]) {
      const out = redactText(t);
      expect(out.length).toBeLessThan(t.length);
      expect(out).not.toContain("PASSWORD = PASSWORD");
    }
    expect(redactText("TOKEN=".repeat(200_000))).toBe("TOKEN=TO…");
  });
});

describe("redactText: a policy's own names and patterns (policy-secrets.ts)", () => {
  const extra = policySecretMatcher({ names: ["deploy_phrase"], patterns: ["^corp-[0-9]{4}", "LIC-[0-9]{4}"] })!;
  const red = (t: string) => redactText(t, { pending: "none", extra });

  it("a key with one of the names is a secret key, in every form the built-in ones are", () => {
    expect(red("rm /opt/vault.kdbx && DEPLOY_PHRASE=Mv3ReviewPhrase ./x")).toBe("rm /opt/vault.kdbx && DEPLOY_PHRASE=Mv… ./x");
    expect(red("APP_DEPLOY_PHRASE='two words' ./x")).toBe("APP_DEPLOY_PHRASE='tw…' ./x");
    expect(red("./x --deploy-phrase Mv3ReviewPhrase")).toBe("./x --deploy-phrase Mv…");
    expect(red("DEPLOY_PHRASE=$FROM_ENV ./x")).toBe("DEPLOY_PHRASE=$FROM_ENV ./x"); // an expansion is no literal
    // without the names, the built-in test alone
    expect(redactText("DEPLOY_PHRASE=Mv3ReviewPhrase ./x")).toBe("DEPLOY_PHRASE=Mv3ReviewPhrase ./x");
  });

  it("what a pattern matches, anywhere, widened to the whole value", () => {
    expect(red("curl -H X-Licence:LIC-1234-5678 https://x")).toBe("curl -H X-Licence:LI… https://x");
    expect(red("LICENSE_ID=LIC-1234-5678")).toBe("LICENSE_ID=LI…");
    expect(red("echo corp-1234abcd")).toBe("echo corp-1234abcd"); // `^`: only at the text's start
    expect(red("corp-1234abcd rest")).toBe("co… rest");
  });

  it("argv elements too", () => {
    expect(redactArgv(["/x", "--deploy-phrase", "Mv3ReviewPhrase", "LIC-0000-1111"], extra)).toEqual(["/x", "--deploy-phrase", "Mv…", "LI…"]);
  });
});

describe("redactTokens: only what has a known shape", () => {
  it("tokens, URL passwords; not key names", () => {
    expect(redactTokens(`(${GHP}|x)`)).toBe("(gh…|x)");
    expect(redactTokens("https://u:Pa55w0rdQ@h/ token:\\s*\\S+")).toBe("https://u:Pa…@h/ token:\\s*\\S+");
  });
});

describe("what the detectors flag is what redaction hides (attacker review)", () => {
  const AWS = "Zq8Xv2Lm5Nb7Kc9Jd1Hf3Gs6Ta4Ry0We8Ui2Op5A";
  it("an AWS secret key under any key naming AWS and SECRET", () => {
    for (const key of ["MY_AWS_SECRETACCESSKEY", "AWS_SECRET_KEY_PATH", "awsSecret"]) {
      const out = redactText(`RUN ${key}=${AWS} ./deploy`);
      expect(out, key).not.toContain(AWS);
      expect(out).toContain(`${key}=Zq…`);
    }
  });

  it("a URL password holding ? or #", () => {
    const out = redactText("RUN git clone https://bob:Xy7?Qz9#Wk2Lm@github.com/o/x.git");
    expect(out).not.toContain("Xy7?Qz9#Wk2Lm");
    expect(out).toContain("https://bob:Xy…@github.com/o/x.git");
    // a URL with no password keeps its query and fragment
    expect(redactText("curl https://example.com/a?b=c#d")).toBe("curl https://example.com/a?b=c#d");
  });

  it("a value the shell joins from quoted and unquoted parts", () => {
    for (const v of [`"hu"nter2xyz`, `'hu''nter2xyz'`, `"hu"'nter'2xyz`]) {
      const out = redactText(`RUN DB_PASSWORD=${v} ./migrate`);
      expect(out, v).not.toMatch(/nter/);
      expect(out).toContain(" ./migrate");
    }
    expect(redactText(`{"token":"LEx9abcdef"}`)).toBe(`{"token":"LE…"}`);
  });
});
