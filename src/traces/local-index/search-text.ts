/**
 * The words of a prompt and its answer, for free-text search: every string value, keys left out,
 * so a search for "content" does not match every trace. Capped: a search index entry has no
 * business being larger than what a person would scroll through.
 */
const MAX_CHARS = 64 * 1024;

export function searchText(...values: unknown[]): string {
  const parts: string[] = [];
  let size = 0;
  const walk = (v: unknown): void => {
    if (size >= MAX_CHARS) return;
    if (typeof v === "string") {
      parts.push(v);
      size += v.length + 1;
    } else if (Array.isArray(v)) {
      for (const x of v) walk(x);
    } else if (v !== null && typeof v === "object") {
      for (const x of Object.values(v)) walk(x);
    }
  };
  for (const v of values) walk(v);
  const text = parts.join("\n");
  return text.length > MAX_CHARS ? text.slice(0, MAX_CHARS) : text;
}
