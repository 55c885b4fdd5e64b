/** Squeezes the text of an engine or a builder into one line of bounded length. */
export function oneLine(text: string, max = 400): string {
  const line = text.replace(/\s*[\r\n]+\s*/g, "; ").replace(/\s+/g, " ").trim();
  return line.length > max ? `${line.slice(0, max - 1)}…` : line;
}

