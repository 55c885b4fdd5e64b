/**
 * A process that runs one long probe, for the signal tests: prints READY once the
 * probed container serves, then waits for the signal the test sends.
 * Usage: node probe-child.js IMAGE
 */
import { probeRef } from "./probe-ref.js";

process.env.TESTCONTAINERS_RYUK_DISABLED = "true";
const image = process.argv[2];
if (!image) throw new Error("usage: probe-child IMAGE");
let ready = false;
const facts = await probeRef(
  image,
  { health: { http: { port: 8080, path: "/health" } }, stayUp: 120, startupTimeout: 30 },
  undefined,
  {
    onLog: (line) => {
      if (!ready && line.includes("listening")) {
        ready = true;
        process.stdout.write("READY\n");
      }
    },
  },
);
process.stdout.write(`FINISHED ${JSON.stringify(facts)}\n`);
