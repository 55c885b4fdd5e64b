/**
 * Variable substitution as the builder does it in FROM, ENV, ARG, LABEL, USER, COPY…
 * (`$NAME`, `${NAME}`, `${NAME:-word}`, `${NAME:+word}`, and the escaped `\$`), over
 * the values the Dockerfile itself gives: ARG defaults and ENV values. A variable the
 * Dockerfile leaves without a value (an ARG without a default, a variable it never
 * declares) becomes "" as in a build without --build-arg, and is reported as unresolved.
 */

/** Known variables; `undefined` = declared (an ARG without a default) but without a value. */
export type Variables = ReadonlyMap<string, string | undefined>;

export interface Substituted {
  text: string;
  /** Variables used without a known value, in order of first use. */
  unresolved: string[];
}

const NAME = /^[A-Za-z_][A-Za-z0-9_]*/;

/** Substitutes `vars` into `text`; `escape` is the Dockerfile's escape character. */
export function substitute(text: string, vars: Variables, escape = "\\"): Substituted {
  const unresolved: string[] = [];
  const lookup = (name: string): string | undefined => {
    const v = vars.get(name);
    if (v === undefined && !unresolved.includes(name)) unresolved.push(name);
    return v;
  };
  let out = "";
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!;
    if (c === escape && text[i + 1] === "$") {
      out += "$";
      i++;
      continue;
    }
    if (c !== "$") {
      out += c;
      continue;
    }
    if (text[i + 1] === "{") {
      const close = matchingBrace(text, i + 1);
      if (close < 0) {
        out += text.slice(i);
        break;
      }
      const body = text.slice(i + 2, close);
      const name = NAME.exec(body)?.[0];
      i = close;
      if (!name) continue;
      const rest = body.slice(name.length);
      const op = /^(:?[-+])/.exec(rest)?.[1];
      if (!op) {
        out += lookup(name) ?? "";
        continue;
      }
      const word = rest.slice(op.length);
      const value = vars.get(name);
      const set = op.startsWith(":") ? value !== undefined && value !== "" : vars.has(name) && value !== undefined;
      if (op.endsWith("-")) {
        if (set) out += value;
        else {
          const inner = substitute(word, vars, escape);
          out += inner.text;
          for (const u of inner.unresolved) if (!unresolved.includes(u)) unresolved.push(u);
        }
      } else if (set) {
        const inner = substitute(word, vars, escape);
        out += inner.text;
        for (const u of inner.unresolved) if (!unresolved.includes(u)) unresolved.push(u);
      } else if (value === undefined && !unresolved.includes(name)) unresolved.push(name);
      continue;
    }
    const name = NAME.exec(text.slice(i + 1))?.[0];
    if (!name) {
      out += c;
      continue;
    }
    out += lookup(name) ?? "";
    i += name.length;
  }
  return { text: out, unresolved };
}

function matchingBrace(text: string, open: number): number {
  let depth = 0;
  for (let j = open; j < text.length; j++) {
    if (text[j] === "{") depth++;
    else if (text[j] === "}" && --depth === 0) return j;
  }
  return -1;
}
