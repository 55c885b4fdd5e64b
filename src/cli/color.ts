/**
 * Whether the text report is coloured. `--color always` and `never` decide alone. With
 * `auto` (the default), from the environment: NO_COLOR set to anything but the empty
 * string turns colour off (no-color.org); FORCE_COLOR turns it on even off a terminal
 * (`0` or `false` turns it off); TERM=dumb turns it off; else colour when standard
 * output is a terminal.
 */
import { UsageError } from "../errors.js";

export type ColorMode = "auto" | "always" | "never";

export const COLOR_MODES: readonly ColorMode[] = ["auto", "always", "never"];

/** The --color value; false is --no-color (commander's negation of --color), the same as never. */
export function parseColorMode(value: string | false | undefined): ColorMode {
  if (value === undefined) return "auto";
  if (value === false) return "never";
  if ((COLOR_MODES as readonly string[]).includes(value)) return value as ColorMode;
  throw new UsageError(`--color: expected auto, always or never, found '${value}'`);
}

export function useColor(mode: ColorMode, env: Readonly<Record<string, string | undefined>>, isTTY: boolean): boolean {
  if (mode !== "auto") return mode === "always";
  if (env.NO_COLOR) return false;
  const force = env.FORCE_COLOR;
  if (force !== undefined && force !== "") return force !== "0" && force.toLowerCase() !== "false";
  if (env.TERM === "dumb") return false;
  return isTTY;
}
