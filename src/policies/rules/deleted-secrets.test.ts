import type { DeletedSecretFact } from "../../inspect/facts/types.js";
import { rule } from "./deleted-secrets.js";
import { facts } from "./test-facts.js";
import { table } from "./test-rule-table.js";

const d = (path: string, kind: string, added: number, removed: number, how: DeletedSecretFact["removed"]["how"] = "whiteout", by: DeletedSecretFact["by"] = "path"): DeletedSecretFact => ({
  path,
  kind,
  by,
  size: 411,
  added: { layer: added, digest: `sha256:${"a".repeat(64)}`, createdBy: "COPY id_rsa /root/.ssh/id_rsa # buildkit" },
  removed: { layer: removed, digest: `sha256:${"b".repeat(64)}`, createdBy: "RUN /bin/sh -c rm /root/.ssh/id_rsa # buildkit", how },
});

table(rule, [
  { name: "none", facts: facts(), status: "pass" },
  {
    name: "a key added then deleted: both layers named",
    facts: facts({ filesystem: { deletedSecrets: [d("/root/.ssh/id_rsa", "openssh-private-key", 1, 2, "whiteout", "content")] } }),
    status: "fail",
    text: "/root/.ssh/id_rsa (openssh-private-key, 411 bytes, found by its content) was added by layer 2 (sha256:aaaaaaaaaaaa, COPY id_rsa /root/.ssh/id_rsa # buildkit) and deleted by layer 3 (sha256:bbbbbbbbbbbb, RUN /bin/sh -c rm /root/.ssh/id_rsa # buildkit); its bytes still ship in layer 2.",
    location: { path: "/root/.ssh/id_rsa", layer: 1 },
  },
  {
    name: "one finding per leak; overwritten and hidden say so",
    facts: facts({ filesystem: { deletedSecrets: [d("/app/.env", "dotenv", 1, 3, "overwrite"), d("/root/.npmrc", "npmrc", 1, 2, "opaque")] } }),
    status: "fail",
    findings: 2,
    text: /overwritten by layer 4[\s\S]*hidden \(an opaque directory above it\) by layer 3/,
  },
  {
    name: "no history text: the digest alone",
    facts: facts({ filesystem: { deletedSecrets: [{ ...d("/app/.env", "dotenv", 0, 1), added: { layer: 0, digest: "sha256:" + "c".repeat(64) } }] } }),
    status: "fail",
    text: "was added by layer 1 (sha256:cccccccccccc) and deleted by layer 2",
  },
  {
    name: "a test fixture allowed by glob",
    facts: facts({ filesystem: { deletedSecrets: [d("/src/testdata/id_rsa", "ssh-private-key", 1, 2)] } }),
    options: { allow: ["/src/testdata/**"] },
    status: "pass",
  },
  {
    name: "a token in a file deleted or scrubbed later: by its content, of the token's kind",
    facts: facts({ filesystem: { deletedSecrets: [d("/app/config.js", "github-token", 1, 2, "whiteout", "content"), d("/app/settings.js", "github-token", 1, 3, "overwrite", "content")] } }),
    status: "fail",
    findings: 2,
    text: /\/app\/config\.js \(github-token, 411 bytes, found by its content\) was added by layer 2 [\s\S]* and deleted by layer 3 [\s\S]*\/app\/settings\.js \(github-token, 411 bytes, found by its content\) was added by layer 2 [\s\S]* and overwritten by layer 4/,
  },
  {
    name: "vendored data allowed by default (rsakey.pem after `rm -rf /usr/share/doc/*`, a Go module's testdata)",
    facts: facts({ filesystem: { deletedSecrets: [d("/usr/share/doc/libxmlsec1-dev/examples/rsakey.pem", "rsa-private-key", 1, 2, "whiteout", "content"), d("/go/pkg/mod/golang.org/x/crypto@v0.1.0/ssh/testdata/id_rsa", "rsa-private-key", 1, 2, "whiteout", "content")] } }),
    status: "pass",
  },
  {
    name: "vendored data reported when the policy empties `allow`",
    facts: facts({ filesystem: { deletedSecrets: [d("/usr/share/doc/libxmlsec1-dev/examples/rsakey.pem", "rsa-private-key", 1, 2, "whiteout", "content")] } }),
    options: { allow: [] },
    status: "fail",
    location: { path: "/usr/share/doc/libxmlsec1-dev/examples/rsakey.pem", layer: 1 },
  },
  {
    name: "a kind ignored",
    facts: facts({ filesystem: { deletedSecrets: [d("/app/.env", "dotenv", 1, 2)] } }),
    options: { ignoreKinds: ["dotenv"] },
    status: "pass",
  },
]);
