/** Bounded YAML: deep nesting, alias bombs and size end as positioned problems. */
import { describe, expect, it } from "vitest";
import { countValues, MAX_DEPTH, parsePolicyYaml } from "./policy-yaml.js";

/** Nine levels of nine aliases each: 9^9 strings once expanded. */
const BOMB = ["a: &a [lol, lol, lol, lol, lol, lol, lol, lol, lol]", ..."bcdefghi".split("").map((c, i) => {
  const prev = "abcdefgh"[i];
  return `${c}: &${c} [${Array(9).fill(`*${prev}`).join(", ")}]`;
})].join("\n");

describe("parsePolicyYaml", () => {
  it("parses a policy, anchors and aliases included", () => {
    const r = parsePolicyYaml("base: &b [1, 2]\nrules: { a: *b }\n");
    expect(r.problems).toBeUndefined();
    expect(!r.problems && r.data).toEqual({ base: [1, 2], rules: { a: [1, 2] } });
  });

  it("an empty document is an empty policy", () => {
    const r = parsePolicyYaml("");
    expect(!r.problems && r.data).toEqual({});
  });

  it("reports an alias bomb at the first alias, without expanding it", () => {
    const t0 = performance.now();
    const r = parsePolicyYaml(BOMB);
    expect(performance.now() - t0).toBeLessThan(2000);
    expect(r.problems).toEqual([{ line: 2, col: 8, message: "invalid YAML: its aliases expand too far (more than 100 values for one alias)" }]);
  });

  it.each([
    ["flow sequences", "[".repeat(100_000)],
    ["flow mappings", "{a: ".repeat(100_000)],
    ["block sequences", `${"- ".repeat(100_000)}x`],
    ["block mappings", Array.from({ length: 2000 }, (_, i) => `${" ".repeat(i)}k:`).join("\n")],
  ])("reports nesting 100k deep (%s) instead of overflowing the stack", (_what, text) => {
    const r = parsePolicyYaml(text);
    expect(r.problems).toHaveLength(1);
    expect(r.problems![0]!.message).toBe(`the document nests deeper than ${MAX_DEPTH} levels; a policy needs a few`);
    expect(r.problems![0]!.line).toBeGreaterThan(0);
  });

  it("accepts nesting up to the limit", () => {
    const r = parsePolicyYaml(`${"[".repeat(MAX_DEPTH)}${"]".repeat(MAX_DEPTH)}`);
    expect(r.problems).toBeUndefined();
  });

  it("quotes no text of the file in its syntax errors beyond YAML's phrase, escaped", () => {
    const r = parsePolicyYaml("rules:\n  a: [x\n\x1b[2J: y\n");
    expect(r.problems?.length).toBeGreaterThan(0);
    for (const p of r.problems ?? []) expect(p.message).not.toMatch(/\x1b/);
  });

  it("counts values with aliases expanded, stopping past the cap", () => {
    const shared = [1, 2, 3];
    expect(countValues({ a: shared, b: shared })).toBe(9);
    expect(countValues(Array(1000).fill(shared), 100)).toBe(101);
  });
});

describe("the position of too deep a nesting", () => {
  it("is where the 65th bracket opens", () => {
    const text = `rules:\n  a: ${"[".repeat(40)}\n  ${"{x: ".repeat(30)}`;
    const r = parsePolicyYaml(text);
    expect(r.problems?.[0]).toMatchObject({ line: 3, col: 3 + 24 * 4 });
  });
});
