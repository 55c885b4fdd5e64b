import { describe, expect, it } from "vitest";
import { goDecode, goFold, GoShapeError } from "./go-json.js";
import { ARCHIVE_MANIFEST_SHAPE, CONFIG_SHAPE, MANIFEST_OR_INDEX_SHAPE } from "./go-json-shapes.js";
import { parseJson } from "./json.js";

const read = (text: string, shape = CONFIG_SHAPE) => parseJson<Record<string, unknown>>(Buffer.from(text), "img: config", shape);
const config = (inner: string) => read(`{"config":{${inner}},"rootfs":{"type":"layers","diff_ids":[]}}`).config as Record<string, unknown>;

describe("goFold", () => {
  it("folds ASCII letters, 'ſ' with s and 'K' with k, and nothing else", () => {
    expect(goFold("Uſer")).toBe(goFold("user"));
    expect(goFold("\u212Aey")).toBe(goFold("key"));
    expect(goFold("os.version")).toBe("OS.VERSION");
    expect(goFold("dİff_ids")).not.toBe(goFold("diff_ids"));
    expect(goFold("é")).toBe("é");
  });
});

describe("an image document read as the engine's Go code reads it", () => {
  it("takes a key in any case, or with ſ or K, as the field, under its canonical name", () => {
    expect(config('"user":"0"')).toEqual({ User: "0" });
    expect(config('"Uſer":"0"')).toEqual({ User: "0" });
    expect(config('"\\u0055SER":"0"')).toEqual({ User: "0" });
    expect(read('{"RootFS":{"Diff_IDs":["sha256:a"]}}')).toEqual({ rootfs: { diff_ids: ["sha256:a"] } });
    expect(read('{"config":{"Healthcheck":{"test":["CMD","x"],"retries":2}}}')).toEqual({ config: { Healthcheck: { Test: ["CMD", "x"], Retries: 2 } } });
    expect(read('{"history":[{"CREATED_BY":"a","Empty_Layer":true}]}')).toEqual({ history: [{ created_by: "a", empty_layer: true }] });
    expect(read('[{"config":"c.json","layers":["l.tar"],"repotags":["a:1"]}]', ARCHIVE_MANIFEST_SHAPE)).toEqual([{ Config: "c.json", Layers: ["l.tar"], RepoTags: ["a:1"] }]);
  });

  it("matches map keys exactly, the last of equal keys winning, and keeps __proto__ as data", () => {
    const labels = config('"Labels":{"a":"1","A":"2","a":"3","__proto__":"p","n":null}').Labels as Record<string, string>;
    expect(Object.getPrototypeOf(labels)).toBe(Object.prototype);
    expect(Object.entries(labels)).toEqual([["a", "3"], ["A", "2"], ["__proto__", "p"], ["n", ""]]);
  });

  it("refuses a field set by two keys, whether they differ in case, by ſ, or not at all", () => {
    expect(() => config('"User":"65532","user":"0"')).toThrow(`img: config: config.User is set by 2 keys ("User", "user"): the engine matches keys without regard to case and decodes each, so which value it runs with is not clear; refused`);
    expect(() => config('"User":"65532","Uſer":"0"')).toThrow(/config\.User is set by 2 keys \("User", "Uſer"\)/);
    expect(() => config('"User":"65532","User":"0"')).toThrow(/config\.User is set by 2 keys \("User", "User"\)/);
    expect(() => read('{"config":{},"Config":{"User":"0"}}')).toThrow(/^img: config: config is set by 2 keys/);
    expect(() => read('{"rootfs":{"diff_ids":[],"DIFF_IDS":["sha256:a"]}}')).toThrow(/rootfs\.diff_ids is set by 2 keys/);
    expect(() => read('{"history":[{},{"created_by":"a","Created_By":"b"}]}')).toThrow(/history\[1\]\.created_by is set by 2 keys/);
    expect(() => read('[{"Config":"a"},{"Layers":[],"layers":[]}]', ARCHIVE_MANIFEST_SHAPE)).toThrow(/^img: config: \[1\]\.Layers is set by 2 keys/);
    expect(() => read('{"manifests":[],"config":{"digest":"d","Digest":"e"}}', MANIFEST_OR_INDEX_SHAPE)).toThrow(/config\.digest is set by 2 keys/);
  });

  it("does not mind repeats of keys that name no field, nor repeats in a vanished object", () => {
    expect(config('"Hostnam":"a","Hostnam":"b","User":"x"')).toEqual({ User: "x" });
    expect(read('{"x":{"a":1,"a":2},"os":"linux"}')).toEqual({ os: "linux" });
  });

  it("reads values as Go does: a StrSlice from a string, null as the zero value", () => {
    expect(config('"Cmd":"echo hi","Entrypoint":["/a",null],"Shell":null,"User":null,"Env":["A=1",null]')).toEqual({ Cmd: ["echo hi"], Entrypoint: ["/a", ""], Env: ["A=1", ""] });
    expect(read('{"history":[null,{"created_by":"x"}]}')).toEqual({ history: [{}, { created_by: "x" }] });
    expect(read('{"config":null,"rootfs":null}')).toEqual({});
  });

  it("refuses a value of a type the engine refuses, naming the field but not the image's text", () => {
    expect(() => config('"User":0')).toThrow("img: config: config.User is a number where the engine reads a string, and refuses the image");
    expect(() => config('"Env":"A=1"')).toThrow("config.Env is a string where the engine reads a list");
    expect(() => config('"Cmd":[1]')).toThrow("config.Cmd is a list where the engine reads a string or a list of strings");
    expect(() => config('"Labels":{"secret-key":5}')).toThrow("config.Labels[…] is a number where the engine reads a string");
    expect(() => config('"Healthcheck":{"Retries":1.5}')).toThrow("config.Healthcheck.Retries is a fraction where the engine reads a whole number");
    expect(() => read("[]")).toThrow("the document is a list where the engine reads an object");
  });

  it("throws GoShapeError without a duplicate report, and accepts one", () => {
    expect(() => goDecode({ a: 1 }, { list: "string" })).toThrow(GoShapeError);
    const dups = new Map([['["config"]', ["uSER"]]]);
    expect(() => goDecode({ config: { User: "1" } }, CONFIG_SHAPE, dups)).toThrow(/config\.User is set by 2 keys \("User", "uSER"\)/);
  });
});
