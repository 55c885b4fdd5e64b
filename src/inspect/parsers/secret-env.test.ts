import { describe, expect, it } from "vitest";
import { keyWords, secretEnv, secretKeyReason } from "./secret-env.js";

describe("keyWords", () => {
  it("splits on separators and camelCase, upper-cased", () => {
    expect(keyWords("AWS_SECRET_ACCESS_KEY")).toEqual(["AWS", "SECRET", "ACCESS", "KEY"]);
    expect(keyWords("apiKey")).toEqual(["API", "KEY"]);
    expect(keyWords("db.password-file")).toEqual(["DB", "PASSWORD", "FILE"]);
    expect(keyWords("__")).toEqual([]);
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
      { key: "DB_PASSWORD", reason: "key name contains 'PASSWORD'", kind: "password", valueRedacted: "hu…", display: "<password hu… 14 chars>" },
    ]);
  });

  it("reports credential-shaped values under any key, preferring the value reason", () => {
    const aws = "AKIA" + "IOSFODNN7EXAMPLE";
    expect(secretEnv([`SOME_ID=${aws}`, `AWS_ACCESS_KEY_ID=${aws}`])).toEqual([
      { key: "SOME_ID", reason: "value looks like an AWS access key id", kind: "aws-access-key-id", valueRedacted: "AK…", display: "<aws-access-key-id AK… 20 chars>" },
      { key: "AWS_ACCESS_KEY_ID", reason: "value looks like an AWS access key id", kind: "aws-access-key-id", valueRedacted: "AK…", display: "<aws-access-key-id AK… 20 chars>" },
    ]);
  });

  it("catches inline credentials even under exempt keys", () => {
    expect(secretEnv(["DATABASE_URL=postgres://app:pw@db/app", "HTTP_PROXY=http://u:p@proxy:3128"])).toEqual([
      { key: "DATABASE_URL", reason: "value looks like a URL with an inline password", kind: "url-credentials", valueRedacted: "po…", display: "<url-credentials po… 24 chars>" },
      { key: "HTTP_PROXY", reason: "value looks like a URL with an inline password", kind: "url-credentials", valueRedacted: "ht…", display: "<url-credentials ht… 21 chars>" },
    ]);
    expect(secretEnv(["DATABASE_URL=postgres://db/app"])).toEqual([]);
  });

  it("ignores empty values and entries without a value", () => {
    expect(secretEnv(["PASSWORD=", "TOKEN", "=value", "SECRET=x"])).toEqual([
      { key: "SECRET", reason: "key name contains 'SECRET'", kind: "secret", valueRedacted: "…", display: "<secret … 1 char>" },
    ]);
  });

  it("keeps '=' inside values", () => {
    expect(secretEnv(["API_TOKEN=abc=def=="])).toEqual([
      { key: "API_TOKEN", reason: "key name contains 'TOKEN'", kind: "token", valueRedacted: "ab…", display: "<token ab… 9 chars>" },
    ]);
  });

  it("does not flag GPG fingerprints in official images", () => {
    expect(secretEnv(["GPG_KEY=A035C8C19219BA821ECEA86B64E628F8D684696D", "NGINX_GPGKEY=573BFD6B3D8FBC641079A6ABABF5BD827BD9BF62"])).toEqual([]);
  });
});
