import { describe, expect, it } from "vitest";
import { SourceError, UsageError } from "../errors.js";
import { commanderErrorText, errorLine, messageLine } from "./exit-code.js";

const HOSTILE = "tag\x1b]0;owned\x07\x1b[2J\r\n✓ all checks passed\u202e\u009b\x7f";
const SHOWN = "tag\\x1b]0;owned\\x07\\x1b[2J\\x0d\\x0a✓ all checks passed\\u202e\\x9b\\x7f";

describe("error lines", () => {
  it("escape the message of any error, on one line", () => {
    expect(errorLine(new UsageError(`bad reference '${HOSTILE}'`), false)).toBe(`imgpolicy: bad reference '${SHOWN}'`);
    expect(errorLine(new TypeError(HOSTILE), false)).toBe(`imgpolicy: internal error: ${SHOWN} (run with --debug for details)`);
    expect(errorLine(HOSTILE, false)).toBe(`imgpolicy: ${SHOWN}`);
  });

  it("do not escape twice what a reporter escaped already", () => {
    expect(messageLine(SHOWN)).toBe(`imgpolicy: ${SHOWN}`);
  });

  it("with --debug, show each error of the chain on its own line, then its frames", () => {
    const err = new SourceError(`cannot read ${HOSTILE}`, { cause: new Error(`registry said\n${HOSTILE}`, { cause: "raw\x1bcause" }) });
    const lines = errorLine(err, true).split("\n");
    expect(lines[0]).toBe(`imgpolicy: SourceError: cannot read ${SHOWN}`);
    expect(lines[1]).toMatch(/^ {4}at /);
    const causes = lines.filter((l) => l.startsWith("caused by: "));
    expect(causes).toEqual([`caused by: Error: registry said\\x0a${SHOWN}`, "caused by: raw\\x1bcause"]);
    expect(lines.join("\n")).not.toMatch(/[\x00-\x09\x0b-\x1f\x7f-\x9f\u202e]/);
  });

  it("escape commander's messages and keep its suggestion line", () => {
    expect(commanderErrorText(`error: unknown option '--f${HOSTILE}'\n`)).toBe(`imgpolicy: unknown option '--f${SHOWN}'\n`);
    expect(commanderErrorText("error: unknown command 'insp'\n(Did you mean inspect?)\n")).toBe("imgpolicy: unknown command 'insp'\n(Did you mean inspect?)\n");
  });
});
