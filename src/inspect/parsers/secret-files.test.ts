import { describe, expect, it } from "vitest";
import { secretFileKind } from "./secret-files.js";

describe("secretFileKind", () => {
  it("recognises credential files by path", () => {
    const cases: [string, string][] = [
      ["/app/.env", "dotenv"],
      ["/app/.env.production", "dotenv"],
      ["/app/.env.local", "dotenv"],
      ["/root/.aws/credentials", "aws-credentials"],
      ["/home/app/.docker/config.json", "docker-config"],
      ["/root/.config/containers/auth.json", "registry-auth"],
      ["/run/user/0/containers/auth.json", "registry-auth"],
      ["/root/.kube/config", "kubeconfig"],
      ["/root/.config/gcloud/application_default_credentials.json", "gcloud-credentials"],
      ["/root/.config/gcloud/legacy_credentials/me@example.com/adc.json", "gcloud-credentials"],
      ["/root/.config/gcloud/credentials.db", "gcloud-credentials"],
      ["/root/.azure/msal_token_cache.json", "azure-credentials"],
      ["/root/.ssh/id_rsa", "ssh-private-key"],
      ["/home/app/.ssh/id_ed25519", "ssh-private-key"],
      ["/deploy/id_ecdsa_sk", "ssh-private-key"],
      ["/etc/ssh/ssh_host_ed25519_key", "ssh-host-key"],
      ["/root/.npmrc", "npmrc"],
      ["/root/.pypirc", "pypirc"],
      ["/root/.netrc", "netrc"],
      ["/root/.git-credentials", "git-credentials"],
      ["/root/.pgpass", "pgpass"],
      ["/root/.my.cnf", "mysql-config"],
      ["/root/.vault-token", "vault-token"],
      ["/app/credentials.json", "credentials-json"],
      ["/app/certs/server.key", "private-key"],
      ["/app/tls/privkey.pem", "pem"],
      ["/app/client.p12", "pkcs12"],
      ["/app/client.PFX", "pkcs12"],
      ["/opt/app/keystore.jks", "java-keystore"],
    ];
    for (const [path, kind] of cases) expect(secretFileKind(path), path).toBe(kind);
  });

  it("ignores templates, public keys and ordinary files", () => {
    for (const path of [
      "/app/.env.example",
      "/app/.env.sample",
      "/app/.env.template",
      "/app/.environment",
      "/app/env",
      "/root/.ssh/id_rsa.pub",
      "/root/.ssh/known_hosts",
      "/etc/ssh/ssh_host_ed25519_key.pub",
      "/root/.aws/config",
      "/root/.docker/daemon.json",
      "/etc/passwd",
      "/",
      "",
    ]) {
      expect(secretFileKind(path), path).toBeUndefined();
    }
  });

  it("ignores keys and certificates in CA certificate locations", () => {
    for (const path of [
      "/etc/ssl/certs/ISRG_Root_X1.pem",
      "/etc/pki/tls/private/localhost.key",
      "/usr/share/ca-certificates/mozilla/DigiCert.crt",
      "/usr/local/share/ca-certificates/corp.pem",
      "/etc/ssl/cert.pem",
      "/usr/lib/python3/dist-packages/certifi/cacert.pem",
      "/usr/local/lib/python3.12/site-packages/pip/_vendor/certifi/cacert.pem",
    ]) {
      expect(secretFileKind(path), path).toBeUndefined();
    }
  });
});

describe("secretFileKind on odd paths", () => {
  it("reads the last two segments as splitting the path would (doubled, trailing or no leading slashes)", () => {
    expect(secretFileKind("//root//.ssh//id_rsa//")).toBe("ssh-private-key");
    expect(secretFileKind("root/.aws/credentials")).toBe("aws-credentials");
    expect(secretFileKind("/root/.kube//config/")).toBe("kubeconfig");
    expect(secretFileKind("/.env")).toBe("dotenv");
    expect(secretFileKind("credentials")).toBeUndefined();
    expect(secretFileKind("///")).toBeUndefined();
  });
});
