/**
 * Terminal cell widths. A line's width on screen is not its length: CJK characters and most
 * emoji take two cells, combining marks none. The live view must never write a line wider
 * than the terminal, or the terminal wraps it and the next redraw leaves the rest behind.
 */

export const cellWidth = (s: string): number => Bun.stringWidth(s);

const graphemes = new Intl.Segmenter(undefined, { granularity: "grapheme" });

/** `s` cut to at most `width` cells, ending in "…" when something was cut. */
export function truncate(s: string, width: number): string {
  if (width <= 0) return "";
  if (cellWidth(s) <= width) return s;
  let out = "";
  let used = 0;
  for (const { segment } of graphemes.segment(s)) {
    const w = cellWidth(segment);
    if (used + w > width - 1) break;
    out += segment;
    used += w;
  }
  return `${out}…`;
}

/** `s` cut or padded to exactly `width` cells. */
export function fit(s: string, width: number, right = false): string {
  const t = truncate(s, width);
  const pad = " ".repeat(Math.max(0, width - cellWidth(t)));
  return right ? pad + t : t + pad;
}
