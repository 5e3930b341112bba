/**
 * The upstream's JSON object text with our extras appended as its last members, or null when the
 * text is not an object's. An OpenAI-dialect answer then reaches the client as the upstream sent
 * it (field order, number spelling, escapes) and is not serialised again. Should the upstream
 * already have a member of the same name, ours comes last, and JSON parsers keep the last one.
 */
export function spliceExtras(text: string, extras: Record<string, unknown>): string | null {
  const close = text.lastIndexOf("}");
  if (close < 0 || text.charCodeAt(0) !== 123 /* { */ || !/^\s*$/.test(text.slice(close + 1))) return null;
  let members = "";
  for (const [key, value] of Object.entries(extras)) members += `,${JSON.stringify(key)}:${JSON.stringify(value ?? null)}`;
  const head = text.slice(0, close).trimEnd();
  // An empty object takes the members without the leading comma.
  return head.endsWith("{") ? `${head}${members.slice(1)}}` : `${head}${members}}`;
}
