/** A build's texts (errors, the log) lose the values of the build args that look secret, and what looks secret by itself. */
import { describe, expect, it } from "vitest";
import { BuildError } from "../engine/client.js";
import { buildRedactor, redactedBuildError } from "./build-redact.js";

const GHP = "ghp_" + "Zx8Cv7Bn6Mq5Wl4Ek3Rj2Th1Yg0Uf9Id8Os7P";

describe("buildRedactor", () => {
  const r = buildRedactor({ GITHUB_TOKEN: GHP, DEPLOY_PASSWORD: "Tr0ub4dor&3", PIN_PASSWORD: "abc", MODE: "production", REPO_URL: "https://ci:Hunter2Pw@git.example/x.git" });

  it("takes out the secret build args' values wherever they are", () => {
    expect(r.output(`using ${GHP}`)).toBe("using gh…");
    expect(r.output("fatal: auth failed for Tr0ub4dor&3")).toBe("fatal: auth failed for Tr…");
    expect(r.output("cloning https://ci:Hunter2Pw@git.example/x.git")).toBe("cloning https://ci:Hu…@git.example/x.git");
    expect(r.output("password was Hunter2Pw")).toBe("password was Hu…");
  });

  it("a short value only as NAME=value; args that do not look secret stay", () => {
    expect(r.output("PIN_PASSWORD=abc and abc")).toBe("PIN_PASSWORD=… and abc");
    expect(r.output("building production")).toBe("building production");
  });

  it("no build args: what looks secret by itself", () => {
    expect(buildRedactor(undefined).output(`token ${GHP}`)).toBe("token gh…");
  });

  it("messages: the values and what has a known shape; a path is no key", () => {
    expect(r.message(`cannot build /tmp/ci-secrets: /tmp/ci-secrets/Dockerfile:4: step 4/5 'RUN x' using ${GHP}`)).toBe("cannot build /tmp/ci-secrets: /tmp/ci-secrets/Dockerfile:4: step 4/5 'RUN x' using gh…");
    expect(r.message("(RUN echo $GITHUB_TOKEN): exit 3 Tr0ub4dor&3")).toBe("(RUN echo $GITHUB_TOKEN): exit 3 Tr…");
  });

  it("the engine's error: message, instruction, log and stack", () => {
    const err = new BuildError(`cannot build x: failed at step 2/2 (RUN echo $GITHUB_TOKEN): exit 3; last output: using ${GHP}`, ["Step 2/2 : RUN echo $GITHUB_TOKEN", `using ${GHP}`], "2/2", "RUN echo $GITHUB_TOKEN");
    const out = redactedBuildError(err, r);
    expect(out.message).toBe("cannot build x: failed at step 2/2 (RUN echo $GITHUB_TOKEN): exit 3; last output: using gh…");
    expect(out.log).toEqual(["Step 2/2 : RUN echo $GITHUB_TOKEN", "using gh…"]);
    expect(out.instruction).toBe("RUN echo $GITHUB_TOKEN");
    expect(out.stack).not.toContain(GHP);
    expect(out).toBeInstanceOf(BuildError);
  });
});
