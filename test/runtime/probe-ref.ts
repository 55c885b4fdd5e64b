/**
 * The probe runs an image its caller opened (check does: src/policies/check.ts). The
 * tests name images as check's users do, so this opens one the same way (a plain name
 * from the engine the probe is given, else through the resolver), probes it, and
 * closes it.
 */
import { openImage } from "../../src/inspect/resolve.js";
import { openDaemonImage } from "../../src/inspect/sources/daemon.js";
import type { Image } from "../../src/inspect/image.js";
import { probeRuntime, type ImageRuntimeConfig, type ProbeOptions } from "../../src/runtime/probe.js";
import type { RuntimeFacts, RuntimeSpec } from "../../src/runtime/runtime-types.js";

const SCHEME = /^(docker-archive|oci|oci-archive|docker|docker-daemon):/;

export function openForProbe(ref: string, opts: ProbeOptions = {}): Promise<Image> {
  return SCHEME.test(ref) ? openImage(ref) : openDaemonImage(ref, opts.engine ? { client: opts.engine } : {});
}

export async function probeRef(ref: string, spec: RuntimeSpec, facts?: ImageRuntimeConfig, opts: ProbeOptions = {}): Promise<RuntimeFacts> {
  const image = await openForProbe(ref, opts);
  try {
    return await probeRuntime(image, spec, facts, opts);
  } finally {
    await image.close();
  }
}
