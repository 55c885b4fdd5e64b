import { describe, expect, it } from "vitest";
import { LineCounter, parseDocument } from "yaml";
import { positionOf } from "../yaml-location.js";
import { cstToPolicy } from "./convert-cst.js";

/** Problems as the loader reports them: line:col: message. */
function problems(text: string): string[] {
  const lc = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lc });
  return cstToPolicy(doc.toJS(), "cst.yaml", doc).problems.map((p) => {
    const { line, col } = positionOf(doc, lc, p.path, p.key);
    return `${line}:${col}: ${p.message}`;
  });
}

const V = "schemaVersion: 2.0.0\n";

const cases: [string, string, string[]][] = [
  ["the old schema version", "schemaVersion: 1.0.0\ncommandTests: []\n", ["1:16: schemaVersion 1.0.0 is container-structure-test's old format; imgpolicy reads 2.0.0 configs: update the config to 2.0.0"]],
  ["an unknown schema version", "schemaVersion: '3'\n", ['1:16: schemaVersion "3" is not supported: imgpolicy reads container-structure-test configs of schemaVersion 2.0.0']],
  ["an empty schema version", "schemaVersion:\n", ["1:1: schemaVersion is empty: imgpolicy reads container-structure-test configs of schemaVersion 2.0.0"]],
  ["no tests at all", V, ["1:1: the config holds no tests (container-structure-test fails a run without tests)"]],
  [
    "an unknown top-level key, with a suggestion",
    V + "fileExistanceTests:\n  - name: a\n    path: /a\n",
    ["2:1: unknown key 'fileExistanceTests' (did you mean fileExistenceTests?); container-structure-test rejects it too"],
  ],
  [
    "a misspelt nested key",
    V + "metadataTest:\n  envVars:\n    - key: foo\n      vaule: baz\n",
    ["5:7: unknown key 'vaule' in metadataTest.envVars[0] (did you mean value?); container-structure-test rejects it too"],
  ],
  [
    "a key in the wrong case",
    V + "fileExistenceTests:\n  - name: a\n    path: /a\n    shouldexist: false\n",
    ["5:5: unknown key 'shouldexist' in fileExistenceTests[0] (did you mean shouldExist?); container-structure-test rejects it too"],
  ],
  ["a string where a boolean belongs", V + "fileExistenceTests:\n  - name: a\n    path: /a\n    shouldExist: 'yes'\n", ['5:18: fileExistenceTests[0].shouldExist: expected true or false, found string "yes"']],
  ["a string where an integer belongs", V + "fileExistenceTests:\n  - name: a\n    path: /a\n    uid: '1000'\n", ['5:10: fileExistenceTests[0].uid: expected an integer, found string "1000"']],
  ["a string where a list belongs", V + "fileContentTests:\n  - name: a\n    path: /a\n    expectedContents: 'x'\n", ['5:23: fileContentTests[0].expectedContents: expected a list, found string "x"']],
  ["a map where a string belongs", V + "metadataTest:\n  user: { name: luke }\n", ["3:9: metadataTest.user: expected a string, found a map"]],
  ["a list where a map belongs", V + "metadataTest:\n  - user: luke\n", ["3:3: metadataTest: expected a map, found a list"]],
  ["a test without a path", V + "fileExistenceTests:\n  - name: a\n", ["3:5: fileExistenceTests[0]: missing 'path' (the file or directory to check)"]],
  ["a test without a name", V + "fileContentTests:\n  - path: /a\n", ["3:5: fileContentTests[0]: missing 'name' (container-structure-test needs a name for every test)"]],
  ["a relative path", V + "fileExistenceTests:\n  - name: a\n    path: etc/passwd\n", ['4:11: fileExistenceTests[0].path: expected an absolute path in the image, found "etc/passwd"']],
  [
    "a path with an environment variable",
    V + "fileExistenceTests:\n  - name: venv\n    path: $VIRTUAL_ENV/bin/python\n",
    ['4:11: fileExistenceTests[0].path: "$VIRTUAL_ENV/bin/python" uses an environment variable, which container-structure-test expands from the image\'s env but imgpolicy does not: write the path out'],
  ],
  ["a bad permission string", V + "fileExistenceTests:\n  - name: a\n    path: /a\n    permissions: '0755'\n", ['5:18: fileExistenceTests[0].permissions: expected a permission string such as "-rwxr-xr-x" or "drwxr-xr-x", found "0755"']],
  ["a bad isExecutableBy", V + "fileExistenceTests:\n  - name: a\n    path: /a\n    isExecutableBy: everyone\n", ['5:21: fileExistenceTests[0].isExecutableBy: expected one of owner, group, other, any, found "everyone"']],
  ["a negative uid other than -1", V + "fileExistenceTests:\n  - name: a\n    path: /a\n    uid: -2\n", ['5:10: fileExistenceTests[0].uid: expected an id of 0 or more (or -1 for "not checked"), found -2']],
  [
    "a backreference (RE2, like Go, has none)",
    V + "fileContentTests:\n  - name: a\n    path: /a\n    expectedContents: ['(a)\\1']\n",
    [expect.stringMatching(/^5:24: fileContentTests\[0\]\.expectedContents\[0\]: \/\(a\)\\1\/ is not a regular expression imgpolicy accepts/) as unknown as string],
  ],
  ["an empty env key", V + "metadataTest:\n  envVars:\n    - value: x\n", ["4:7: metadataTest.envVars[0]: missing 'key' (environment variable key cannot be empty)"]],
  ["an empty port", V + "metadataTest:\n  exposedPorts: ['']\n", ["3:18: metadataTest.exposedPorts[0]: a port cannot be empty"]],
  ["a bad regex in a label", V + "metadataTest:\n  labels:\n    - key: a\n      value: '('\n      isRegex: true\n", [expect.stringMatching(/^5:14: metadataTest\.labels\[0\]\.value: \/\(\/ is not a regular expression/) as unknown as string]],
  ["a command test without command", V + "commandTests:\n  - name: x\n", ["3:5: commandTests[0]: missing 'command' (the command to run)"]],
  ["an empty setup command", V + "commandTests:\n  - name: x\n    command: echo\n    setup: [[]]\n", ["5:13: commandTests[0].setup[0]: an empty command; container-structure-test refuses to run the test"]],
  ["a relative license file", V + "licenseTests:\n  - files: [LICENSE]\n", ['3:13: licenseTests[0].files[0]: expected an absolute path in the image, found "LICENSE"']],
];

describe("problems with a container-structure-test config", () => {
  it.each(cases)("%s", (_name, text, expected) => {
    expect(problems(text)).toEqual(expected);
  });

  it("reports every problem at once", () => {
    expect(problems(V + "metadataTest:\n  usr: luke\nfileExistenceTests:\n  - path: /a\n    uid: x\n")).toEqual([
      "3:3: unknown key 'usr' in metadataTest (did you mean user?); container-structure-test rejects it too",
      '6:10: fileExistenceTests[0].uid: expected an integer, found string "x"',
      "5:5: fileExistenceTests[0]: missing 'name' (container-structure-test needs a name for every test)",
    ]);
  });
});
