/**
 * An engine call the engine client does not have (src/inspect is not the build's to
 * change): tag an image.
 */
import type { EngineClient } from "../inspect/sources/engine-client.js";
import { expectOk, pathName, send } from "../inspect/sources/engine-transport.js";

/** POST /images/{id}/tag. `name` is "repo:tag". */
export async function tagImage(engine: EngineClient, id: string, name: string): Promise<void> {
  const colon = name.lastIndexOf(":");
  const action = `tag image ${id.replace(/^sha256:/, "").slice(0, 12)} as '${name}'`;
  const res = await send(engine.endpoint, {
    method: "POST",
    path: `/v${await engine.apiVersion()}/images/${pathName(id)}/tag`,
    query: { repo: name.slice(0, colon), tag: name.slice(colon + 1) },
    timeoutMs: engine.timeoutMs,
    action,
  });
  await expectOk(res, action);
  res.resume();
}
