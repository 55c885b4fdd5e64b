/**
 * Test fixture for the Dockerfile rule tests (not a rule, not registered): facts with a
 * Dockerfile, and the facts a build of each seed Dockerfile gives (its USER, ENTRYPOINT
 * and CMD in the image config), so that the cross-checks agree.
 */
import type { Facts } from "../../inspect/facts/types.js";
import { SEED_DOCKERFILES, type SeedName } from "../../dockerfile/seed-dockerfiles.fixture.js";
import { facts, userFacts, type DeepPartial } from "./test-facts.js";

/** Facts with `text` as the Dockerfile (path "Dockerfile", .dockerignore present unless said). */
export function withDockerfile(text: string, more: DeepPartial<Facts> = {}, dockerignore: boolean | "unknown" = true): Facts {
  const dockerfile: { path: string; text: string; dockerignore?: boolean } = { path: "Dockerfile", text };
  if (dockerignore !== "unknown") dockerfile.dockerignore = dockerignore;
  return facts({ dockerfile }, more);
}

/** Facts of a build of `text` with `--target` and `--build-arg` values (path "Dockerfile", .dockerignore present). */
export function withBuild(text: string, build: { target?: string; buildArgs?: Record<string, string> }, more: DeepPartial<Facts> = {}): Facts {
  return facts({ dockerfile: { path: "Dockerfile", text, dockerignore: true, ...build } }, more);
}

const exec = (entrypoint: string[] | undefined, cmd?: string[]): DeepPartial<Facts> => ({
  config: {
    entrypoint,
    entrypointForm: entrypoint ? "exec" : "none",
    cmd,
    cmdForm: cmd ? "exec" : "none",
  },
});

/** What the image config of a build of each seed says. */
const BUILT: Record<SeedName, DeepPartial<Facts>[]> = {
  glassopsRuntime: [exec(["/usr/local/bin/glassops"])],
  glassopsAdapter: [userFacts("glassops", [{ name: "glassops", uid: 1000, gid: 1000 }]), exec(["/usr/local/bin/adapter"])],
  gofile: [userFacts("gofile", [{ name: "gofile", uid: 1000, gid: 1000 }]), exec(["/bin/gofile"])],
  courseNaive: [exec(undefined, ["go", "run", "./main.go"])],
  courseFinal: [userFacts("nonroot", [{ name: "nonroot", uid: 1001, gid: 1001 }]), exec(undefined, ["/api-golang"])],
  templateScratch: [userFacts("65534:65534"), exec(["/app"])],
  templateAlpine: [userFacts("appuser", [{ name: "appuser", uid: 1000, gid: 1000 }]), exec(["./app"])],
  templateDistroless: [userFacts("65532"), exec(["/app"])],
};

/** Facts of the image built from a seed Dockerfile, with the Dockerfile. */
export function seedFacts(name: SeedName): Facts {
  return facts({ dockerfile: { path: "Dockerfile", text: SEED_DOCKERFILES[name], dockerignore: true } }, ...BUILT[name]);
}
