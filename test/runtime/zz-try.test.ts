import { it } from "vitest";
import { EngineClient } from "../../src/inspect/sources/engine-client.js";
import { buildBehaviourImages } from "../../fixtures/runtime/behaviour-images.js";
it("builds", async () => {
  const e = new EngineClient();
  const t = Date.now();
  const imgs = await buildBehaviourImages(e, "imgpolicy-test/runtime-try");
  console.log(imgs, Date.now() - t);
}, 120000);
