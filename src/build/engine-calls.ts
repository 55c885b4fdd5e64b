/**
 * Two engine calls the engine client does not have (src/inspect is not the build's to
 * change): tag an image, and ask the engine its time.
 */
import type { EngineClient } from "../inspect/sources/engine-client.js";
import { expectOk, pathName, readJson, send } from "../inspect/sources/engine-transport.js";

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

/**
 * The engine's clock (ms since the epoch: SystemTime of GET /info), against which the
 * times of the images it makes are told; ours when it does not say.
 */
export async function engineTime(engine: EngineClient): Promise<number> {
  const action = "ask the Docker engine its time";
  try {
    const res = await send(engine.endpoint, { method: "GET", path: `/v${await engine.apiVersion()}/info`, timeoutMs: engine.timeoutMs, action });
    await expectOk(res, action);
    const time = Date.parse(String((await readJson<{ SystemTime?: unknown }>(res, action)).SystemTime));
    if (Number.isFinite(time)) return time;
  } catch {
    // the build that follows will say what is wrong with the engine
  }
  return Date.now();
}
