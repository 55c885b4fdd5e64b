/**
 * `image(ref)`: a lazy handle on an image for tests. Nothing is read until a matcher
 * asks; facts and reports are memoised per handle (a report per policy), so several
 * assertions on one handle read the image once per policy.
 */
import { check, inspect, policyNames, resolvePolicy, type CheckOptions, type PolicyInput } from "../index.js";
import type { Facts } from "../inspect/facts/types.js";
import type { OpenOptions } from "../inspect/resolve.js";
import { parsePlatform } from "../inspect/platform.js";
import { loadProbe, type RuntimeProbe } from "../policies/check.js";
import type { RuntimeFacts } from "../runtime/runtime-types.js";
import type { ResolvedPolicy } from "../policies/policy-types.js";
import type { ImageReport, Report } from "../policies/report-types.js";
import type { AnyRule, Severity } from "../policies/types.js";

export interface ImageOptions extends Omit<OpenOptions, "platform"> {
  /** The image to take from an index: `"linux/arm64"` or `{ os, architecture, variant? }`. */
  platform?: OpenOptions["platform"] | string;
  /** The time certificate expiry and waiver expiry are judged against (default: now). */
  now?: Date;
  /** Also run the image under the policy's runtime profile (needs a container engine). */
  runtime?: boolean;
  /** Only the runtime rules. Implies `runtime`. */
  runtimeOnly?: boolean;
  /** Policy files named relatively resolve against this directory (default: the working directory). */
  cwd?: string;
  /** Replaces the runtime probe (tests). */
  probe?: RuntimeProbe;
}

export interface ReportOptions {
  /** Overrides the policy's threshold. */
  failOn?: Severity;
  /** Evaluate only these rules (default: every rule the policy enables). */
  rules?: readonly AnyRule[];
}

/** The one image's part of a report, with the report it came from. */
export interface ImageVerdict {
  report: Report;
  image: ImageReport;
  /** The policy as evaluated (after `failOn`). */
  policy: ResolvedPolicy;
}

const BRAND = Symbol.for("imgpolicy.vitest.image");

export class ImageHandle {
  readonly [BRAND] = true;
  readonly ref: string;
  readonly options: Readonly<ImageOptions>;
  #facts: Promise<Facts> | undefined;
  readonly #byName = new Map<string, Promise<ImageVerdict>>();
  readonly #byObject = new WeakMap<ResolvedPolicy, Map<string, Promise<ImageVerdict>>>();
  /** Runs of the image, one per runtime profile: every matcher on this handle shares them. */
  readonly #runs = new Map<string, Promise<RuntimeFacts>>();
  readonly #open: OpenOptions;

  constructor(ref: string, options: ImageOptions = {}) {
    if (!ref) throw new TypeError("image(): the reference is empty");
    this.ref = ref;
    this.options = { ...options };
    const { runtime: _r, runtimeOnly: _o, cwd: _c, probe: _p, platform, now: _n, ...open } = options;
    this.#open = { ...open, ...(platform === undefined ? {} : { platform: typeof platform === "string" ? parsePlatform(platform) : platform }) };
  }

  /**
   * The runtime probe every check of this handle uses: the first check with a runtime
   * profile starts the run, later ones (other matchers, other policies with the same
   * profile) share its result. A run that fails is forgotten, so a later check tries again.
   */
  readonly #probe: RuntimeProbe = (image, spec, facts, opts) => {
    const key = JSON.stringify([spec, opts.commandTests ?? null]);
    let run = this.#runs.get(key);
    if (!run) {
      const { signal: _s, ...rest } = opts;
      run = forget(
        (this.options.probe ? Promise.resolve(this.options.probe) : loadProbe()).then((probe) => probe(image, spec, facts, rest)),
        () => this.#runs.delete(key),
      );
      this.#runs.set(key, run);
    }
    return run;
  };

  /** The facts `imgpolicy inspect --json` prints, read once. */
  facts(): Promise<Facts> {
    const open = { ...this.#open, ...(this.options.now ? { now: this.options.now } : {}) };
    this.#facts ??= forget(inspect(this.ref, open), () => (this.#facts = undefined));
    return this.#facts;
  }

  /** The image checked against a policy, once per policy (and threshold and rule set). */
  verdict(policy: PolicyInput, opts: ReportOptions = {}): Promise<ImageVerdict> {
    const key = JSON.stringify([typeof policy === "object" && !Array.isArray(policy) ? null : policyNames(policy), opts.failOn ?? null, opts.rules?.map((r) => r.id) ?? null]);
    let memo = this.#byName;
    if (typeof policy === "object" && !Array.isArray(policy)) {
      const p = policy as ResolvedPolicy;
      memo = this.#byObject.get(p) ?? new Map();
      this.#byObject.set(p, memo);
    }
    let v = memo.get(key);
    if (!v) {
      v = forget(this.#check(policy, opts), () => memo.delete(key));
      memo.set(key, v);
    }
    return v;
  }

  async #check(input: PolicyInput, opts: ReportOptions): Promise<ImageVerdict> {
    const { cwd, runtime, runtimeOnly, now } = this.options;
    const policy = await resolvePolicy(input, { ...(cwd ? { cwd } : {}), ...(opts.failOn ? { failOn: opts.failOn } : {}) });
    const rest: CheckOptions = { ...this.#open, ...(now ? { now } : {}), ...(runtime ? { runtime } : {}), ...(runtimeOnly ? { runtimeOnly } : {}), probe: this.#probe };
    const options: CheckOptions = { ...rest, concurrency: 1, policyNames: policyNames(input), ...(opts.rules ? { rules: opts.rules } : {}) };
    const report = await check([this.ref], policy, options);
    const image = report.images[0]!;
    if (image.error) throw new Error(`${this.ref} could not be checked: ${image.error}`);
    return { report, image, policy };
  }

  toString(): string {
    return this.ref;
  }
}

/** Drops a memoised promise when it rejects, so that a later assertion tries again. */
function forget<T>(p: Promise<T>, drop: () => void): Promise<T> {
  p.catch(drop);
  return p;
}

/** A lazy handle on an image: `await expect(image("oci:build/app:1")).toPassPolicy("go-scratch")`. */
export function image(ref: string, opts: ImageOptions = {}): ImageHandle {
  return new ImageHandle(ref, opts);
}

export function isImageHandle(x: unknown): x is ImageHandle {
  return typeof x === "object" && x !== null && (x as Record<symbol, unknown>)[BRAND] === true;
}

/** What a matcher received: a handle, or a reference string made into one. */
export function asImage(received: unknown, matcher: string): ImageHandle {
  if (isImageHandle(received)) return received;
  if (typeof received === "string") return image(received);
  throw new TypeError(`${matcher}: expected image("REF") or an image reference string, received ${received === null ? "null" : typeof received}`);
}
