/**
 * IMG-HIST-007's Dockerfile line: the instruction that made the history entry (by the
 * order of the final stage's instructions), else the RUN that assigns that very value;
 * never the first RUN that merely writes `KEY=`.
 */
import { describe, expect, it } from "vitest";
import { parseDockerfile } from "../../dockerfile/parse.js";
import { imageFact } from "../../inspect/facts/image-facts.js";
import type { Facts } from "../../inspect/facts/types.js";
import type { ConfigFile } from "../../inspect/image.js";
import { rule } from "./history-secrets.js";
import { instructionsByHistory } from "./history-lines.js";
import { baseFacts } from "./test-facts.js";

const SECRET = "Lk4dfLine" + "Secret9";
/** The reviewer's Dockerfile: line 2 only mentions API_TOKEN=, line 3 assigns it. */
const REVIEWED = ["FROM alpine:3.19", 'RUN echo "API_TOKEN=\\$API_TOKEN is read at run time" > /notes.txt', `RUN API_TOKEN=${SECRET} sh -c 'echo deploy'`, ""].join("\n");
const BASE = ["/bin/sh -c #(nop) ADD file:0123abcd in / ", '/bin/sh -c #(nop)  CMD ["/bin/sh"]'];
const BUILT = ['RUN /bin/sh -c echo "API_TOKEN=\\$API_TOKEN is read at run time" > /notes.txt # buildkit', `RUN /bin/sh -c API_TOKEN=${SECRET} sh -c 'echo deploy' # buildkit`];

function factsOf(history: string[], dockerfile: string): Facts {
  const cfg = { architecture: "amd64", os: "linux", config: {}, history: history.map((h) => ({ created_by: h, empty_layer: true })) } as unknown as ConfigFile;
  const f = baseFacts();
  f.image = imageFact({ reference: "x:1", digest: "sha256:" + "a".repeat(64), mediaType: "m", rawConfig: Buffer.from("{}") }, cfg, []);
  f.dockerfile = { path: "Dockerfile", text: dockerfile };
  return f;
}

function lines(f: Facts): (number | undefined)[] {
  const out = rule.check(f, { ...rule.defaultOptions });
  expect(out.status).toBe("fail");
  return out.status === "fail" ? out.findings.map((x) => x.location?.dockerfile?.line) : [];
}

describe("IMG-HIST-007's Dockerfile line", () => {
  it("names the RUN that made the entry, not the first RUN that writes KEY= (the reviewer's case)", () => {
    expect(lines(factsOf([...BASE, ...BUILT], REVIEWED))).toEqual([3]);
  });

  it("maps by order past the base's entries and the LABEL entries a --label build adds", () => {
    const f = factsOf([...BASE, ...BUILT, "LABEL org.example.a=b # buildkit"], REVIEWED);
    expect(instructionsByHistory(parseDockerfile(REVIEWED), f.image.history).get(3)?.line).toBe(3);
    expect(lines(f)).toEqual([3]);
  });

  it("without the order, finds the RUN by the value it assigns, not by the key's name", () => {
    // one entry only (squashed history): the order does not line up with the two RUNs
    expect(lines(factsOf([BUILT[1]!], REVIEWED))).toEqual([3]);
    const npm = ["FROM alpine:3.19", "RUN NPM_TOKEN=$(cat /run/secrets/npm) npm ci", `RUN TOKEN=${SECRET} ./publish`, ""].join("\n");
    expect(lines(factsOf([`RUN /bin/sh -c TOKEN=${SECRET} ./publish # buildkit`], npm))).toEqual([3]);
  });

  it("gives no line rather than a wrong one when no RUN assigns the value", () => {
    const other = ["FROM alpine:3.19", "RUN API_TOKEN=$X ./a", "RUN API_TOKEN=another9Value ./b", ""].join("\n");
    expect(lines(factsOf([BUILT[1]!], other))).toEqual([undefined]);
  });

  it("points inside a long RUN at the continuation line that assigns the value", () => {
    const long = ["FROM alpine:3.19", 'RUN echo "API_TOKEN=$API_TOKEN" && \\', `    API_TOKEN=${SECRET} sh -c 'echo deploy'`, ""].join("\n");
    const hist = [...BASE, `RUN /bin/sh -c echo "API_TOKEN=$API_TOKEN" &&     API_TOKEN=${SECRET} sh -c 'echo deploy' # buildkit`];
    expect(lines(factsOf(hist, long))).toEqual([3]);
  });
});
