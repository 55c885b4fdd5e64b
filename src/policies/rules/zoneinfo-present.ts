/** IMG-TZ-001: the time zone data TZ names is in the image (or in the Go binary). */
import { fail, pass, skip, type Rule } from "../types.js";

interface Options {
  /** Demand a zoneinfo database even when TZ is unset or a POSIX rule (for programs that load zones by name). */
  required: boolean;
}

export const rule: Rule<Options> = {
  id: "IMG-TZ-001",
  title: "Time zone data present for TZ",
  category: "certificates",
  severity: "medium",
  description:
    "When the config's TZ names a zone (`TZ=Europe/Paris`) or a zone file, that zone is in the image's zoneinfo (/usr/share/zoneinfo), or the Go entrypoint embeds the database (built with `-tags timetzdata`). " +
    "With `required`, a zoneinfo database must exist even without TZ.",
  rationale:
    "libc and Go fall back to UTC silently when the zone file is missing: timestamps, cron-like schedules and day boundaries are off by hours with no error. scratch, distroless/static and slim bases ship no tzdata.",
  remediation:
    "Ship the zone data: `RUN apt-get install -y --no-install-recommends tzdata` / `RUN apk add --no-cache tzdata`; for scratch copy it from the build stage:\n" +
    "  COPY --from=build /usr/share/zoneinfo /usr/share/zoneinfo\n" +
    "A Go program can embed it instead: `RUN go build -tags timetzdata -o /out/app .` (or `import _ \"time/tzdata\"`).",
  optionsSchema: {
    type: "object",
    properties: { required: { type: "boolean", description: "Demand zoneinfo even when TZ needs none." } },
    additionalProperties: false,
  },
  defaultOptions: { required: false },
  check(facts, options) {
    const z = facts.zoneinfo;
    const tz = z.tz;
    if (tz.kind === "none" || tz.kind === "posix") {
      if (!options.required) return skip(tz.kind === "none" ? "TZ is not set" : `TZ '${tz.tz ?? ""}' is a POSIX rule that needs no zone file`);
      if (z.present) return pass();
      return fail({
        message: "The image has no time zone database (/usr/share/zoneinfo), which the policy requires.",
        location: { path: "/usr/share/zoneinfo" },
        expected: "zoneinfo with zone files",
        found: "no zone files",
      });
    }
    if (tz.exists) return pass();
    const tags = facts.entrypoint.elf?.go?.settings["-tags"] ?? "";
    if (tags.split(/[ ,]/).includes("timetzdata")) return pass();
    return fail({
      message: `TZ=${tz.tz ?? ""} in ENV, but ${tz.problem ?? "the zone is not in the image"}: the program will run in UTC.`,
      location: { config: "Env.TZ" },
      expected: `zone data for ${tz.tz ?? "TZ"} in ${z.root ?? "/usr/share/zoneinfo"}`,
      found: z.present ? `${z.zones} zones, not this one` : "no zoneinfo",
    });
  },
};
