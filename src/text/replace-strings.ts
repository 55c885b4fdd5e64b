/**
 * Many literal strings replaced in a text in one pass (Aho–Corasick), leftmost first and
 * the longest at a place, without overlaps: time linear in the text and in the strings,
 * however many there are. Replacing them one after the other (`split(s).join(r)` per
 * string) costs texts × strings: 1,000 history entries and 100,000 secret ENV values
 * were 10^8 splits, a hang.
 *
 * The automaton is built over the strings reversed and run from the end of the text to
 * its start, so that it says at each position the longest string that starts there. Its
 * nodes live in typed arrays (26 bytes a UTF-16 code unit of the strings while it is built, 14 after), in
 * breadth-first order, each node's children together and sorted, found by binary search.
 */

export class StringReplacer {
  readonly #replacements: ReadonlyMap<string, string>;
  /** Each node's first child; its children are first[n] up to first[n + 1] (breadth-first order). */
  readonly #first: Int32Array;
  /** The code unit on the edge into each node. */
  readonly #label: Uint16Array;
  readonly #fail: Int32Array;
  /** The length of the longest string that ends at each node (itself or through its fail links), 0 for none. */
  readonly #out: Int32Array;

  /** The strings to find, each with what replaces it (empty strings are ignored). */
  constructor(replacements: ReadonlyMap<string, string>) {
    const patterns = [...replacements.keys()].filter((s) => s !== "");
    this.#replacements = replacements;
    const reversed = patterns.map(reverse).sort();
    const size = 1 + reversed.reduce((n, s) => n + s.length, 0);
    this.#first = new Int32Array(size + 1);
    this.#label = new Uint16Array(size);
    this.#fail = new Int32Array(size);
    this.#out = new Int32Array(size);
    this.#build(reversed, size);
  }

  /** Sum of the strings' lengths: what the automaton's size follows. */
  static sizeOf(replacements: ReadonlyMap<string, string>): number {
    let n = 0;
    for (const s of replacements.keys()) n += s.length;
    return n;
  }

  /** Nodes level by level: a node stands for the strings of [lo, hi) that share its prefix of length depth. */
  #build(sorted: readonly string[], size: number): void {
    const lo = new Int32Array(size);
    const hi = new Int32Array(size);
    const depth = new Int32Array(size);
    hi[0] = sorted.length;
    let nodes = 1;
    for (let n = 0; n < nodes; n++) {
      const d = depth[n]!;
      let i = lo[n]!;
      const end = hi[n]!;
      // sorted, so the strings that end here come first
      if (i < end && sorted[i]!.length === d) {
        this.#out[n] = d;
        while (i < end && sorted[i]!.length === d) i++;
      }
      this.#first[n] = nodes;
      while (i < end) {
        const c = sorted[i]!.charCodeAt(d);
        const from = i;
        while (i < end && sorted[i]!.charCodeAt(d) === c) i++;
        this.#label[nodes] = c;
        lo[nodes] = from;
        hi[nodes] = i;
        depth[nodes] = d + 1;
        nodes++;
      }
    }
    this.#first[nodes] = nodes;
    // fail links in breadth-first order: a node's parent (shallower) is done before it
    for (let n = 0; n < nodes; n++) {
      const first = this.#first[n]!;
      for (let child = first; child < this.#first[n + 1]!; child++) {
        const c = this.#label[child]!;
        let f = n === 0 ? -1 : this.#fail[n]!;
        let to = 0;
        while (f >= 0) {
          const g = this.#child(f, c);
          if (g >= 0) {
            to = g;
            break;
          }
          f = f === 0 ? -1 : this.#fail[f]!;
        }
        this.#fail[child] = to;
        if (this.#out[child] === 0) this.#out[child] = this.#out[to]!;
      }
    }
  }

  /** The child of `node` on `c`, or -1. */
  #child(node: number, c: number): number {
    let a = this.#first[node]!;
    let b = this.#first[node + 1]! - 1;
    while (a <= b) {
      const m = (a + b) >>> 1;
      const l = this.#label[m]!;
      if (l === c) return m;
      if (l < c) a = m + 1;
      else b = m - 1;
    }
    return -1;
  }

  replace(text: string): string {
    if (this.#first[1] === this.#first[0] || text === "") return text; // the root has no children: no strings
    // longest[i]: the length of the longest string that starts at i
    const longest = new Int32Array(text.length);
    let state = 0;
    let any = false;
    for (let i = text.length - 1; i >= 0; i--) {
      const c = text.charCodeAt(i);
      for (;;) {
        const g = this.#child(state, c);
        if (g >= 0) {
          state = g;
          break;
        }
        if (state === 0) break;
        state = this.#fail[state]!;
      }
      const n = this.#out[state]!;
      if (n) {
        longest[i] = n;
        any = true;
      }
    }
    if (!any) return text;
    const parts: string[] = [];
    let copied = 0;
    for (let i = 0; i < text.length; ) {
      const n = longest[i]!;
      if (n === 0) {
        i++;
        continue;
      }
      parts.push(text.slice(copied, i), this.#replacements.get(text.slice(i, i + n))!);
      i += n;
      copied = i;
    }
    parts.push(text.slice(copied));
    return parts.join("");
  }
}

function reverse(s: string): string {
  let out = "";
  for (let i = s.length - 1; i >= 0; i--) out += s[i];
  return out;
}
