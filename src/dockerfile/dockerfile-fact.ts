/**
 * The Dockerfile of a check, as the facts carry it (`facts.dockerfile`): where it was
 * read from, its text, how the image was built from it (--target, --build-arg, a
 * .dockerignore), and its parse. The parse is made once per check, where the text is
 * read (the build, or check()'s `dockerfile` option), and read by everything after it:
 * the build's failure messages, the Dockerfile rules (IMG-DF-*) and their cross-checks
 * with the image.
 */
import { DockerfileSyntaxError, UnknownTargetError, parseDockerfile, type ParseOptions } from "./parse.js";
import type { Dockerfile } from "./types.js";

export interface DockerfileFact {
  /** The path the Dockerfile was read from, as the user gave it (findings point at it). */
  path: string;
  text: string;
  /** Whether the build context has a .dockerignore (undefined = not known). */
  dockerignore?: boolean;
  /** The stage the build stopped at (--target, matched case-insensitively): the rules judge it as the final stage. Undefined: the last stage. */
  target?: string;
  /** The --build-arg values of the build: they replace the defaults of the ARGs they name (before the first FROM and in stages). */
  buildArgs?: Record<string, string>;
  /** The text parsed with `target` and `buildArgs`; absent when it does not parse (see `problem`), or when it was not parsed yet. */
  model?: Dockerfile;
  /** Why it did not parse, as the Dockerfile rules say it when they skip: a syntax error, or a --target that names no stage. */
  problem?: string;
}

/** A parse that failed: the builder would refuse the text, or the --target names no stage. */
export type DockerfileParseError = DockerfileSyntaxError | UnknownTargetError;

/** The skip reason of the Dockerfile rules for a parse that failed. */
export const problemOf = (err: DockerfileParseError): string =>
  err instanceof UnknownTargetError ? err.message : `the Dockerfile does not parse: ${err.message}`;

/**
 * Parses the fact's text with its --target and --build-arg values: the fact with `model`
 * (or `problem`), and the error when it did not parse. A fact parsed already is returned
 * as it is: a check parses its Dockerfile once.
 */
export function parseDockerfileFact(fact: DockerfileFact): { fact: DockerfileFact; error?: DockerfileParseError } {
  if (fact.model !== undefined || fact.problem !== undefined) return { fact };
  const opts: ParseOptions = {};
  if (fact.target !== undefined) opts.target = fact.target;
  if (fact.buildArgs !== undefined) opts.buildArgs = fact.buildArgs;
  try {
    return { fact: { ...fact, model: parseDockerfile(fact.text, fact.path, opts) } };
  } catch (err) {
    if (!(err instanceof DockerfileSyntaxError || err instanceof UnknownTargetError)) throw err;
    return { fact: { ...fact, problem: problemOf(err) }, error: err };
  }
}
