/** Shared by the FileTree tests (not a test, not in the build): real layer tars scanned and flattened. */
import { Readable } from "node:stream";
import type { FileSpec } from "../../../fixtures/image-spec.js";
import { layerTar } from "../../../fixtures/layer-tar.js";
import type { FileRecord } from "./file-record.js";
import { FileTree, type Resolution } from "./file-tree.js";
import { scanLayer, type LayerIndex, type ScanInterest } from "./scan-layer.js";

const keepAll: ScanInterest = { wantContent: () => true };

/** Layers as the fixture writer lays them out, scanned for real, then flattened. */
async function layersOf(layers: FileSpec[][], interest: ScanInterest = keepAll): Promise<LayerIndex[]> {
  return Promise.all(layers.map((files, i) => scanLayer(Readable.from([layerTar(files, 0, i)]), i, `layer ${i}`, interest)));
}

export async function treeOf(layers: FileSpec[][], interest: ScanInterest = keepAll): Promise<FileTree> {
  return FileTree.fromLayers(await layersOf(layers, interest));
}

export const text = (tree: FileTree, path: string) => tree.read(path)?.toString("utf8");
export const paths = (tree: FileTree) => [...tree.entries()].map((r) => r.path).sort();
export const childNames = (tree: FileTree, dir: string) => tree.children(dir).map((r) => r.path).sort();
export const wasteOf = (tree: FileTree) => [...tree.wasted].sort((a, b) => (a.path < b.path ? -1 : 1));

export function resolved(r: Resolution): { path: string; record: FileRecord } {
  if (!r.ok) throw new Error(`expected ${r.path} to resolve, got ${r.reason}`);
  return r;
}
