/** The body exceeded the limit; the handler answers 413. */
export class BodyTooLarge extends Error {}

/**
 * Reads a request body up to `max` bytes. A declared Content-Length over the limit is refused
 * before reading anything; a chunked body is counted as it arrives and cut off at the limit.
 */
export async function readBody(req: Request, max: number): Promise<string> {
  const declared = Number(req.headers.get("content-length") ?? NaN);
  if (declared > max) throw new BodyTooLarge();
  if (!req.body) return "";
  const parts: Uint8Array[] = [];
  let size = 0;
  const reader = req.body.getReader();
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    size += value.byteLength;
    if (size > max) {
      await reader.cancel().catch(() => {});
      throw new BodyTooLarge();
    }
    parts.push(value);
  }
  return parts.length === 1 ? new TextDecoder().decode(parts[0]) : Buffer.concat(parts).toString("utf8");
}
