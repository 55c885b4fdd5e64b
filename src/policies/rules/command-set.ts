/** IMG-CMD-002: the image says what to run (ENTRYPOINT or CMD). */
import { fail, pass, type Rule, NO_OPTIONS } from "../types.js";

type Options = Record<string, never>;

export const rule: Rule<Options> = {
  id: "IMG-CMD-002",
  title: "ENTRYPOINT or CMD is set",
  category: "config",
  severity: "high",
  description: "The image config has a non-empty ENTRYPOINT or CMD.",
  rationale:
    "Without either, `docker run image` fails with `no command specified`, and every deployment must repeat the command, which drifts from the image. An application image should carry its own command; base images are the exception.",
  remediation: 'Name the program in exec form: `ENTRYPOINT ["/app"]` (and default arguments with `CMD ["--port", "8080"]`).',
  optionsSchema: NO_OPTIONS,
  defaultOptions: {},
  check(facts) {
    const c = facts.config;
    if (c.entrypoint?.length || c.cmd?.length) return pass();
    return fail({
      message: "The image sets neither ENTRYPOINT nor CMD: `docker run` has nothing to start.",
      location: { config: "Entrypoint" },
      expected: 'ENTRYPOINT or CMD, e.g. ENTRYPOINT ["/app"]',
      found: "neither set",
    });
  },
};
