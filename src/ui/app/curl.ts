// "Copy as curl": the stored request as a command that sends it again to this engine.

/** `s` inside single quotes for a POSIX shell: a quote in the JSON closes, escapes and reopens. */
const shellQuote = (s: string): string => `'${s.replace(/'/g, `'\\''`)}'`;

/**
 * POST `origin`/v1/chat/completions with the stored model and messages (or, for an embeddings
 * trace, `/v1/embeddings` with its inputs). The token is a shell variable, never a real one: the
 * command is meant to be pasted into chats and tickets.
 */
export function curlCommand(origin: string, model: string, request: unknown, needsToken: boolean, api = "chat"): string {
  const embeddings = api === "embeddings";
  const lines = [`curl ${origin}/v1/${embeddings ? "embeddings" : "chat/completions"}`, `-H "Content-Type: application/json"`];
  if (needsToken) lines.push(`-H "Authorization: Bearer $OPENTRACY_TOKEN"`);
  lines.push(`-d ${shellQuote(JSON.stringify(embeddings ? { model, input: request } : { model, messages: request }))}`);
  return lines.join(" \\\n  ");
}
