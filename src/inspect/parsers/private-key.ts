/**
 * Recognises private key material by content, anywhere in the first
 * PRIVATE_KEY_SCAN_BYTES of a file's data: a PEM private key block
 * (`-----BEGIN [LABEL ]PRIVATE KEY-----`: PKCS#8, RSA, EC, DSA, OpenSSH,
 * encrypted, and any other label) with a key body after it (a run of 40 base64
 * characters within BODY_WITHIN bytes: lines, header lines, a JSON string's `\n`, may
 * come between), an armored PGP private key block, or a PuTTY
 * key file (`PuTTY-User-Key-File-N: ` at the start of a line). A key behind
 * certificates (an HAProxy or nginx combined PEM), behind "Bag Attributes" text
 * or behind a run of zeros is found as well as one at the start.
 *
 * `PrivateKeyFinder` searches bytes as they stream by, chunk after chunk, keeping
 * only a few dozen bytes between chunks (a header split across chunks is found);
 * holes of a sparse file cost nothing and do not count towards the bound.
 */

/** How much of a file's data is searched: its first 1 MiB (the holes of a sparse file are not counted). */
export const PRIVATE_KEY_SCAN_BYTES = 1 << 20;

/**
 * The kind given to a file that looks like PEM (a .pem, .key or .crt name, or a
 * first line `-----BEGIN`), has more data than is searched, and has no private key
 * in what was: it is not shown to be free of one.
 */
export const UNSCANNED_PEM = "unscanned-pem";

/**
 * What is searched for, how far before it the header it belongs to starts, and what
 * that header is. A needle whose first byte is rare in text is found several times
 * faster ("-----BEGIN " and "\nPuTTY…" start with bytes common in text, "BEGIN " and
 * "PuTTY…" do not). A PuTTY header starts a line: the finder starts as if a newline
 * came before the first byte.
 */
interface Needle {
  bytes: Buffer;
  back: number;
  kind(header: string): string | undefined;
}
/** Up to four label words before PRIVATE KEY (the labels openssl, ssh-keygen and gpg write have one at most). */
const PEM_AT = /^-----BEGIN ((?:[A-Z0-9]{1,16} ){0,4})PRIVATE KEY(?: BLOCK)?-----/;
const PUTTY_AT = /^\nPuTTY-User-Key-File-\d{1,4}: /;
/** How far past a PEM header its key body must start (encrypted PEM and PGP armor put header lines first). */
const BODY_WITHIN = 400;
/** A key body: a run of base64, longer than any word of text or code (a PEM line is 64, OpenSSH's 70). */
const BODY = /[A-Za-z0-9+/]{40}/;
/** Bytes from an anchor's start that decide what it is: the longest PEM_AT or PUTTY_AT match and the body after it. */
const WINDOW = "-----BEGIN ".length + 4 * 17 + "PRIVATE KEY BLOCK-----".length + BODY_WITHIN;
const ZEROS = Buffer.alloc(WINDOW);

/** A PEM label as a kind: "" → `private-key`, "RSA " → `rsa-private-key`, "PGP " → `pgp-private-key`. */
function pemKind(label: string): string {
  const words = label.trim().toLowerCase().split(" ").filter((w) => w !== "");
  return [...words, "private-key"].join("-");
}

const NEEDLES: readonly Needle[] = [
  {
    bytes: Buffer.from("BEGIN ", "latin1"),
    back: "-----".length,
    kind(header) {
      // a header with no key after it is a mention (documentation, a parser's source, a file-type database)
      const m = PEM_AT.exec(header);
      return m && BODY.test(header.slice(m[0].length, m[0].length + BODY_WITHIN)) ? pemKind(m[1]!) : undefined;
    },
  },
  { bytes: Buffer.from("PuTTY-User-Key-File-", "latin1"), back: 1, kind: (header) => (PUTTY_AT.test(header) ? "putty-private-key" : undefined) },
];

const PUTTY_START = NEEDLES[1]!.bytes;

/** The first key header starting in [from, to) of `buf` (each read up to WINDOW bytes, as far as `buf` goes), with where it starts. */
function firstKey(buf: Buffer, from: number, to: number): { at: number; kind: string } | undefined {
  let best: { at: number; kind: string } | undefined;
  for (const needle of NEEDLES) {
    for (let i = buf.indexOf(needle.bytes, from + needle.back); i !== -1; i = buf.indexOf(needle.bytes, i + 1)) {
      const at = i - needle.back;
      if (at >= to || (best !== undefined && at >= best.at)) break;
      const kind = needle.kind(buf.toString("latin1", at, Math.min(buf.length, at + WINDOW)));
      if (kind) {
        best = { at, kind };
        break;
      }
    }
  }
  return best;
}

/**
 * Searches one file's bytes for a private key as they stream by: `push` each piece of
 * data, `zeros` for a hole, then `finish`. The kind is that of the first key header in
 * the file, whatever the pieces. Reusable: `reset` starts on the next file.
 */
export class PrivateKeyFinder {
  /** The last bytes seen whose anchors are not yet judged (fewer than WINDOW, but after a run of small pieces). */
  readonly #carry = Buffer.alloc(2 * WINDOW);
  #carryLen = 0;
  /** The carry and the start of the next piece, side by side. */
  readonly #joint = Buffer.alloc(2 * WINDOW);
  #limit = PRIVATE_KEY_SCAN_BYTES;
  #data = 0;
  #pos = 0;
  #kind: string | undefined;

  constructor(limit = PRIVATE_KEY_SCAN_BYTES) {
    this.reset(limit);
  }

  /** Starts on a new file, searching `limit` bytes of its data. */
  reset(limit = this.#limit): this {
    this.#limit = limit;
    this.#data = this.#pos = 0;
    this.#kind = undefined;
    this.#carry[0] = 0x0a;
    this.#carryLen = 1;
    return this;
  }

  /** Whether more of the file is worth seeing: no key yet, and the bound not reached. */
  get wanted(): boolean {
    return this.#kind === undefined && this.#data < this.#limit;
  }

  /** How far into the file (data and holes) the search went. */
  get searched(): number {
    return this.#pos;
  }

  /**
   * The file's whole data in one piece, right after `reset`: searched at once, without the
   * carry a stream of pieces needs (most files of a layer come in one piece: bench, 902 MB
   * Debian image, 21,000 files).
   */
  pushWhole(piece: Uint8Array): void {
    if (this.#pos !== 0 || this.#carryLen !== 1 || piece.length > this.#limit) return this.push(piece);
    const buf = Buffer.from(piece.buffer, piece.byteOffset, piece.length);
    this.#data = this.#pos = buf.length;
    this.#carryLen = 0;
    // (a PuTTY header at the start has the newline the stream's search starts with before it)
    this.#kind = buf.length >= PUTTY_START.length && buf.compare(PUTTY_START, 0, PUTTY_START.length, 0, PUTTY_START.length) === 0 ? NEEDLES[1]!.kind("\n" + buf.toString("latin1", 0, WINDOW)) : undefined;
    this.#kind ??= firstKey(buf, 0, buf.length)?.kind;
  }

  /** The next piece of the file's data; what lies past the bound is not searched. */
  push(piece: Uint8Array): void {
    if (!this.wanted || piece.length === 0) return;
    const room = this.#limit - this.#data;
    const buf = Buffer.from(piece.buffer, piece.byteOffset, Math.min(piece.length, room));
    this.#data += buf.length;
    this.#pos += buf.length;
    this.#feed(buf);
  }

  /** A hole of `n` zero bytes: searched for what it ends, free otherwise. */
  zeros(n: number): void {
    if (!this.wanted || n <= 0) return;
    this.#feed(ZEROS.subarray(0, Math.min(n, WINDOW)));
    this.#pos += n;
  }

  /** The kind of the first private key found, judging what is still carried (the file ended). */
  finish(): string | undefined {
    if (this.#kind === undefined && this.#carryLen > 0) this.#kind = firstKey(this.#carry.subarray(0, this.#carryLen), 0, this.#carryLen)?.kind;
    this.#carryLen = 0;
    return this.#kind;
  }

  #feed(buf: Buffer): void {
    const keep = WINDOW - 1;
    const carry = this.#carry;
    if (buf.length < keep) {
      // a small piece: carried along; anchors are judged once a whole window follows them
      this.#carryLen += buf.copy(carry, this.#carryLen);
      if (this.#carryLen < WINDOW) return;
      const judged = this.#carryLen - keep;
      this.#kind = firstKey(carry.subarray(0, this.#carryLen), 0, judged)?.kind;
      this.#carryLen = carry.copy(carry, 0, judged, this.#carryLen);
      return;
    }
    // anchors starting in the carry, each with its whole window (the piece's first bytes)
    const joint = this.#joint;
    const jointLen = carry.copy(joint, 0, 0, this.#carryLen) + buf.copy(joint, this.#carryLen, 0, keep);
    this.#kind = firstKey(joint.subarray(0, jointLen), 0, this.#carryLen)?.kind;
    // then those starting in the piece, but for its last bytes, which are carried
    this.#kind ??= firstKey(buf, 0, buf.length - keep)?.kind;
    this.#carryLen = buf.copy(carry, 0, buf.length - keep);
  }
}

/**
 * The kind of private key the content holds (`rsa-private-key`, `ec-private-key`,
 * `dsa-private-key`, `openssh-private-key`, `encrypted-private-key`, `private-key`
 * for PKCS#8, `pgp-private-key`, `putty-private-key`, or `LABEL-private-key` for
 * another PEM label), or undefined: the first key in its first PRIVATE_KEY_SCAN_BYTES.
 */
export function privateKeyKind(content: Uint8Array): string | undefined {
  const finder = new PrivateKeyFinder();
  finder.push(content);
  return finder.finish();
}

/** Whether a file says it is PEM, by its name (.pem, .key, .crt) or its first bytes. */
export function looksPem(path: string, head: Uint8Array): boolean {
  const lower = path.toLowerCase();
  if (lower.endsWith(".pem") || lower.endsWith(".key") || lower.endsWith(".crt")) return true;
  return Buffer.from(head.buffer, head.byteOffset, head.byteLength).subarray(0, 10).toString("latin1") === "-----BEGIN";
}
