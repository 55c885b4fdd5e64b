/**
 * What a build prints goes into errors ("…; last output: …"), --debug's tail of the build
 * output and the log on the result; a RUN that fails after using a secret build arg
 * (`git clone https://x:$TOKEN@…`) prints it. So every such text is redacted: the values of
 * the build args that look secret, wherever they are (judged as IMG-DF-012 and IMG-ENV-001
 * judge them: the name, or a known token format in the value), then what looks secret by
 * itself (redact-text.ts): in what the build printed, all it redacts (tokens, URL passwords,
 * `KEY=value` and `password: X` with a secret name); in the messages around it (paths, the
 * step), only what has a known shape, since a path like `/tmp/ci-secrets:` is no key.
 */
import { BuildError } from "../engine/client.js";
import { redactText, redactTokens } from "../inspect/parsers/redact-text.js";
import { judgeAssignment } from "../inspect/parsers/secret-env.js";
import { redact } from "../inspect/parsers/secret-values.js";
import { StringReplacer } from "../text/replace-strings.js";

/** Values shorter than this are redacted only as `NAME=value` (a 3-character value would be found in every other word). */
const ANYWHERE = 4;

export interface BuildRedactor {
  /** A line the build printed. */
  output(line: string): string;
  /** A message about the build (the step, paths, the engine's words). */
  message(text: string): string;
}

/** The redaction of a build's texts, for these build args. */
export function buildRedactor(buildArgs: Readonly<Record<string, string>> | undefined): BuildRedactor {
  const swaps = new Map<string, string>();
  for (const [name, value] of Object.entries(buildArgs ?? {})) {
    const hit = judgeAssignment(name, value);
    if (!hit) continue;
    // a URL's password alone (the URL around it is what the build log is read for); else the value
    for (const v of hit.secret !== value && hit.secret !== "" ? [hit.secret] : [value]) {
      if (v === "") continue;
      if (v.length >= ANYWHERE) swaps.set(v, redact(v));
      else swaps.set(`${name}=${v}`, `${name}=${redact(v)}`);
    }
  }
  const replacer = swaps.size > 0 ? new StringReplacer(swaps) : undefined;
  const values = (text: string) => (replacer ? replacer.replace(text) : text);
  return { output: (line) => redactText(values(line)), message: (text) => redactTokens(values(text)) };
}

const LAST_OUTPUT = "; last output: ";

/** A message that may end with the step's last output line (progress.ts: "…; last output: LINE"). */
function messageWithOutput(text: string, r: BuildRedactor): string {
  const cut = text.lastIndexOf(LAST_OUTPUT);
  if (cut < 0) return r.message(text);
  return r.message(text.slice(0, cut)) + LAST_OUTPUT + r.output(text.slice(cut + LAST_OUTPUT.length));
}

/** The engine's BuildError with its message, instruction and log redacted (it is the cause --debug prints). */
export function redactedBuildError(err: BuildError, r: BuildRedactor): BuildError {
  const message = messageWithOutput(err.message, r);
  const out = new BuildError(message, err.log.map(r.output), err.step, err.instruction === undefined ? undefined : r.message(err.instruction));
  const stack = err.stack ?? "";
  const at = stack.indexOf(err.message);
  // the stack's frames as they were, after the redacted message
  out.stack = at < 0 ? `${out.name}: ${message}` : stack.slice(0, at) + message + r.message(stack.slice(at + err.message.length));
  return out;
}

/** A message made from a redacted BuildError (build-errors.ts): its last output redacted as output, the rest as a message. */
export const redactedMessage = (text: string, r: BuildRedactor): string => messageWithOutput(text, r);
