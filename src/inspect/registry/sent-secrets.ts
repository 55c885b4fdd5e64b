/**
 * The credentials a registry client has sent, or will send (a password, "user:password"
 * and its base64, an identity (refresh) token, a registry token, each bearer token it
 * got), and their removal from any text a message is made of. A registry or token server
 * may echo a request back (its headers in an error page, the form it was posted in a
 * JSON error), and what it says ends up in error lines and CI logs.
 *
 * Each secret is looked for as sent and in the forms an echo may take it back: URL- and
 * form-encoded, JSON-escaped, base64 and base64url, with its whitespace collapsed. A
 * secret cut short where a message is shortened ("…") is caught by its start. Secrets
 * shorter than MIN_SECRET characters are left alone (were a password "ab", every "ab" of
 * every message would go), and said in the module's tests.
 */

export const REDACTED = "<redacted>";
/** The shortest text treated as a secret. */
export const MIN_SECRET = 4;
/** The shortest start of a secret, cut at a "…", that is removed. */
const MIN_CUT = 4;

const b64 = (s: string) => Buffer.from(s, "utf8").toString("base64");
const b64url = (s: string) => Buffer.from(s, "utf8").toString("base64url");

/** The forms an echo of `secret` may take. */
function forms(secret: string): string[] {
  return [secret, encodeURIComponent(secret), new URLSearchParams({ v: secret }).toString().slice(2), JSON.stringify(secret).slice(1, -1), secret.replace(/\s+/g, " ").trim()];
}

export class SentSecrets {
  #values: string[] = [];

  /** Adds secrets (undefined and empty ones are skipped), each with the forms an echo may take. */
  add(...secrets: Array<string | undefined>): void {
    let changed = false;
    for (const s of secrets) {
      if (s === undefined) continue;
      for (const f of forms(s)) {
        if (f.length >= MIN_SECRET && !this.#values.includes(f)) {
          this.#values.push(f);
          changed = true;
        }
      }
    }
    // longest first: a secret that holds another goes whole
    if (changed) this.#values.sort((a, b) => b.length - a.length);
  }

  /** Adds Basic credentials: the password, "user:password" and its base64 (the header's value). */
  addBasic(username: string, password: string): void {
    const pair = `${username}:${password}`;
    this.add(password, pair, b64(pair), b64(pair).replace(/=+$/, ""), b64url(pair));
  }

  get size(): number {
    return this.#values.length;
  }

  /** `text` with every secret, and every secret's start cut at a "…", replaced by REDACTED. */
  redact(text: string): string {
    if (this.#values.length === 0 || text === "") return text;
    let out = text;
    for (const v of this.#values) if (out.includes(v)) out = out.split(v).join(REDACTED);
    if (!out.includes("…")) return out;
    return out.replace(/([^…]*)…/g, (whole, before: string) => {
      for (let n = Math.min(before.length, this.#values[0]!.length); n >= MIN_CUT; n--) {
        const tail = before.slice(before.length - n);
        if (this.#values.some((v) => v.length > n && v.startsWith(tail))) return `${before.slice(0, before.length - n)}${REDACTED}…`;
      }
      return whole;
    });
  }

  /** An error like `err` whose message and stack hold no secret (itself, when they held none). */
  redactError(err: unknown): unknown {
    if (!(err instanceof Error) || this.#values.length === 0) return err;
    const message = this.redact(err.message);
    const stack = err.stack === undefined ? undefined : this.redact(err.stack);
    if (message === err.message && stack === err.stack) return err;
    const copy = new Error(message);
    copy.name = err.name;
    if (stack !== undefined) copy.stack = stack;
    const code = (err as NodeJS.ErrnoException).code;
    if (code !== undefined) (copy as NodeJS.ErrnoException).code = code;
    return copy;
  }
}
