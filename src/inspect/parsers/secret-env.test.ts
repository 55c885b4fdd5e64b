import { describe, expect, it } from "vitest";
import { judgeAssignment, keyWords, secretEnv, secretKeyReason } from "./secret-env.js";
import { sha256Text } from "./sha256-text.js";

describe("keyWords", () => {
  it("splits on separators and camelCase, upper-cased", () => {
    expect(keyWords("AWS_SECRET_ACCESS_KEY")).toEqual(["AWS", "SECRET", "ACCESS", "KEY"]);
    expect(keyWords("apiKey")).toEqual(["API", "KEY"]);
    expect(keyWords("db.password-file")).toEqual(["DB", "PASSWORD", "FILE"]);
    expect(keyWords("__")).toEqual([]);
  });

  it("drops a word's trailing number: PASSWORD1 is PASSWORD, as PASSWORD_1 is (a word of digits alone stays)", () => {
    expect(keyWords("ADMIN_PASSWORD2")).toEqual(["ADMIN", "PASSWORD"]);
    expect(keyWords("dbPassword1")).toEqual(["DB", "PASSWORD"]);
    expect(keyWords("S3_BUCKET")).toEqual(["S", "BUCKET"]);
    expect(keyWords("X509_CERT")).toEqual(["X", "CERT"]);
    expect(secretKeyReason("PASSWORD1")).toBe("key name contains 'PASSWORD'");
    expect(secretKeyReason("ADMIN_PASSWORD2")).toBe("key name contains 'PASSWORD'");
  });
});

describe("secretKeyReason", () => {
  it("flags keys with secret words, case-insensitively", () => {
    const flagged = [
      "PASSWORD", "MYSQL_ROOT_PASSWORD", "db_passwd", "FTP_PASS", "DB_PWD", "GPG_PASSPHRASE",
      "JWT_SECRET", "SECRET_KEY_BASE", "AWS_SECRET_ACCESS_KEY", "GITHUB_TOKEN", "NODE_AUTH_TOKEN",
      "API_KEY", "APIKEY", "apiKey", "ACCESS_KEY", "AWS_ACCESS_KEY_ID", "PRIVATE_KEY", "GOOGLE_CREDENTIALS",
      "REGISTRY_CREDS", "DBPASSWORD", "GITHUBTOKEN", "ENCRYPTION_KEY", "STORAGE_ACCOUNT_KEY",
    ];
    for (const key of flagged) expect(secretKeyReason(key), key).toBeDefined();
    expect(secretKeyReason("MYSQL_ROOT_PASSWORD")).toBe("key name contains 'PASSWORD'");
    expect(secretKeyReason("API_KEY")).toBe("key name contains 'API_KEY'");
  });

  it("does not flag ordinary or exempt keys", () => {
    const ok = [
      "PATH", "HOME", "PWD", "OLDPWD", "LANG", "GPG_KEY", "GPG_KEYS", "NGINX_GPGKEY", "KEY_ID",
      "PASSWORD_FILE", "POSTGRES_PASSWORD_FILE", "SECRET_PATH", "TOKEN_URL", "VAULT_TOKEN_DIR",
      "TOKENIZERS_PARALLELISM", "PASSENGER_APP_ENV", "PYTHON_VERSION", "SECRETS_VERSION",
      "MYSQL_ALLOW_EMPTY_PASSWORD", "MYSQL_RANDOM_ROOT_PASSWORD", "PUBLIC_KEY", "PASSWORD_MIN_LENGTH",
    ];
    for (const key of ok) expect(secretKeyReason(key), key).toBeUndefined();
  });

  it("exempts GPG-named keys only when the value is a fingerprint", () => {
    expect(secretKeyReason("GPG_SECRET", "B42F6819007F00F88E364FD4036A9C25BF357DD4")).toBeUndefined();
    expect(secretKeyReason("GPG_SECRET", "hunter2")).toBeDefined();
  });
});

describe("secretEnv", () => {
  it("reports suspicious keys with redacted values", () => {
    expect(secretEnv(["PATH=/usr/bin", "DB_PASSWORD=hunter2hunter2", "LANG=C.UTF-8"])).toEqual([
      { key: "DB_PASSWORD", reason: "key name contains 'PASSWORD'", kind: "password", valueRedacted: "hu…", display: "<password hu… 14 chars>", sha256: sha256Text("hunter2hunter2") },
    ]);
  });

  it("reports credential-shaped values under any key, preferring the value reason", () => {
    const aws = "AKIA" + "Z7QWERTYUIOPASDF";
    expect(secretEnv([`SOME_ID=${aws}`, `AWS_ACCESS_KEY_ID=${aws}`])).toEqual([
      { key: "SOME_ID", reason: "value looks like an AWS access key id", kind: "aws-access-key-id", valueRedacted: "AK…", display: "<aws-access-key-id AK… 20 chars>", sha256: sha256Text(aws) },
      { key: "AWS_ACCESS_KEY_ID", reason: "value looks like an AWS access key id", kind: "aws-access-key-id", valueRedacted: "AK…", display: "<aws-access-key-id AK… 20 chars>", sha256: sha256Text(aws) },
    ]);
  });

  it("catches inline credentials even under exempt keys", () => {
    expect(secretEnv(["DATABASE_URL=postgres://app:Pw9x@db/app", "HTTP_PROXY=http://u:Pr0xyPass@proxy:3128"])).toEqual([
      { key: "DATABASE_URL", reason: "value looks like a URL with an inline password", kind: "url-credentials", valueRedacted: "po…", display: "<url-credentials P… 4 chars>", sha256: sha256Text("Pw9x") },
      { key: "HTTP_PROXY", reason: "value looks like a URL with an inline password", kind: "url-credentials", valueRedacted: "ht…", display: "<url-credentials Pr… 9 chars>", sha256: sha256Text("Pr0xyPass") },
    ]);
    expect(secretEnv(["DATABASE_URL=postgres://db/app"])).toEqual([]);
  });

  it("ignores empty values and entries without a value", () => {
    expect(secretEnv(["PASSWORD=", "TOKEN", "=value", "SECRET=q"])).toEqual([
      { key: "SECRET", reason: "key name contains 'SECRET'", kind: "secret", valueRedacted: "…", display: "<secret … 1 char>", sha256: sha256Text("q") },
    ]);
  });

  it("keeps '=' inside values", () => {
    expect(secretEnv(["API_TOKEN=abc=def=="])).toEqual([
      { key: "API_TOKEN", reason: "key name contains 'TOKEN'", kind: "token", valueRedacted: "ab…", display: "<token ab… 9 chars>", sha256: sha256Text("abc=def==") },
    ]);
  });

  it("does not flag GPG fingerprints in official images", () => {
    expect(secretEnv(["GPG_KEY=A035C8C19219BA821ECEA86B64E628F8D684696D", "NGINX_GPGKEY=573BFD6B3D8FBC641079A6ABABF5BD827BD9BF62"])).toEqual([]);
  });
});

describe("placeholders, templates and examples are not secrets (secret-placeholders.ts)", () => {
  it.each([
    ["TOKEN", "xxx"], ["DB_PASSWORD", "changeme"], ["DB_PASSWORD", "CHANGE-ME"], ["API_KEY", "***"], ["PASSWORD", "password"],
    ["CLIENT_SECRET", "secret"], ["API_TOKEN", "example"], ["API_TOKEN", "dummy"], ["API_TOKEN", "<your-token>"], ["API_TOKEN", "placeholder"],
    ["DB_PASSWORD", "REDACTED"], ["DB_PASSWORD", "none"], ["DB_PASSWORD", "null"], ["DB_PASSWORD", "$DB_PASSWORD"], ["DB_PASSWORD", "${DB_PASSWORD}"],
    ["DB_PASSWORD", "$(cat /run/secrets/db)"], ["DB_PASSWORD", "{{ .Values.db.password }}"], ["DB_PASSWORD", "%DB_PASSWORD%"],
    ["GITHUB_TOKEN", "ghp_" + "x".repeat(36)], ["AWS_ACCESS_KEY_ID", "AKIA" + "XXXXXXXXXXXXXXXX"], ["AWS_ACCESS_KEY_ID", "AKIA" + "IOSFODNN7EXAMPLE"],
    ["AWS_SECRET_ACCESS_KEY", "wJalrXUtnFEMI/K7MDENG/" + "bPxRfiCYEXAMPLEKEY"], ["STRIPE_KEY", "sk_live_" + "x".repeat(24)], ["GOOGLE_API_KEY", "AIza" + "X".repeat(35)],
    ["DATABASE_URL", "https://user:${PASSWORD}@db/app"], ["DATABASE_URL", "postgres://u:pass@db/app"], ["SOURCE", "cvs://:pserver:anoncvs@host"],
  ])("%s=%s", (key, value) => {
    expect(judgeAssignment(key, value)).toBeUndefined();
  });

  it.each([
    ["DB_PASSWORD", "changeme2024!"], ["TOKEN", "xxxy"], ["DB_PASSWORD", "s3cr3t"], ["API_KEY", "<3dogs"], ["GITHUB_TOKEN", "ghp_" + "x".repeat(35) + "7"],
    ["AWS_SECRET_ACCESS_KEY", "wJalrXUtnFEMI/K7MDENG/" + "bPxRfiCYzz1abcdKEY"], ["TOKEN", "${X:-ghp_" + "Q7wErTyUiOpAsDfGhJkLzXcVbNm123456789}"],
  ])("but %s=%s is", (key, value) => {
    expect(judgeAssignment(key, value)).toBeDefined();
  });

  it("a URL's finding shows and hashes its password", () => {
    expect(judgeAssignment("DATABASE_URL", "postgres://app:S3cretPw@db/app")).toMatchObject({ kind: "url-credentials", secret: "S3cretPw" });
    expect(judgeAssignment("DB_PASSWORD", "S3cretPw")).toMatchObject({ kind: "password", secret: "S3cretPw" });
  });
});
