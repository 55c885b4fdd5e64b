/** Maps a JSON pointer (as ajv reports it) to a line and column in the YAML document. */
import { isMap, isPair, isScalar, isSeq, type Document, type LineCounter, type Node } from "yaml";

export function pointerSegments(pointer: string): string[] {
  if (!pointer) return [];
  return pointer
    .split("/")
    .slice(1)
    .map((s) => s.replace(/~1/g, "/").replace(/~0/g, "~"));
}

function keyText(key: unknown): string {
  return isScalar(key) ? String(key.value) : String(key);
}

/** The node at `segments`, or the deepest ancestor found. With `key`, the key node of that property. */
export function nodeAt(doc: Document, segments: string[], key?: string): Node | undefined {
  let node = doc.contents as Node | null | undefined;
  for (const seg of segments) {
    if (isMap(node)) {
      const pair = node.items.find((p) => keyText(p.key) === seg);
      if (!pair) break;
      node = (pair.value as Node | null) ?? (pair.key as Node);
    } else if (isSeq(node)) {
      const item = node.items[Number(seg)] as Node | undefined;
      if (!item) break;
      node = item;
    } else break;
  }
  if (key !== undefined && isMap(node)) {
    const pair = node.items.find((p) => isPair(p) && keyText(p.key) === key);
    if (pair) return pair.key as Node;
  }
  return node ?? undefined;
}

export function positionOf(doc: Document, lc: LineCounter, segments: string[], key?: string): { line: number; col: number } {
  const n = nodeAt(doc, segments, key);
  const offset = n?.range?.[0] ?? 0;
  return lc.linePos(offset);
}
