/** Checks shared by the section converters: names, paths, regular expressions. */
import { userRegexProblem } from "../../text/user-regex.js";
import { pathText, type CstProblem } from "./cst-types.js";

/** Collects problems, each with the path of its node. */
export class Problems {
  readonly list: CstProblem[] = [];

  add(path: string[], message: string): void {
    this.list.push({ path, message: `${pathText(path)}: ${message}` });
  }

  /** The field must be a non-empty string (container-structure-test refuses to run the test otherwise). */
  required(value: string | undefined, path: string[], field: string, why: string): value is string {
    if (value !== undefined && value !== "") return true;
    this.list.push({ path, message: `${pathText(path)}: missing '${field}' (${why})` });
    return false;
  }

  /** Each pattern must be one imgpolicy accepts (user-regex.ts: RE2 syntax, Go's, as container-structure-test's). */
  patterns(list: readonly string[] | undefined, path: string[]): void {
    for (const [i, p] of (list ?? []).entries()) this.pattern(p, [...path, String(i)]);
  }

  pattern(p: string | undefined, path: string[]): void {
    if (p === undefined) return;
    const problem = userRegexProblem(p);
    if (problem) this.add(path, problem);
  }

  /**
   * An absolute path; with `expands` (fileExistenceTests), one without `$VAR`: container-structure-test
   * expands those from the image's env there, and imgpolicy reads paths as written.
   */
  imagePath(p: string, path: string[], expands = false): boolean {
    if (expands && /\$(\{\w+\}|\w+)/.test(p)) {
      this.add(path, `${JSON.stringify(p)} uses an environment variable, which container-structure-test expands from the image's env but imgpolicy does not: write the path out`);
      return false;
    }
    if (!p.startsWith("/")) {
      this.add(path, `expected an absolute path in the image, found ${JSON.stringify(p)}`);
      return false;
    }
    return true;
  }
}
