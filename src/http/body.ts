/** The body exceeded the limit. */
export class BodyTooLarge extends Error {}
/** The sender took longer than the deadline to deliver the body. */
export class BodyTimeout extends Error {}

/**
 * Reads a whole body up to `max` bytes and, when given, before `deadline` (performance.now() ms:
 * a monotonic clock, so a wall-clock step cannot cut a body short or let it trickle on). A declared
 * Content-Length over the limit is refused before reading anything; a chunked body is counted as
 * it arrives and cut off at the limit, so neither a huge nor a trickling body can pin the engine.
 */
export async function readLimited(source: Request | Response, max: number, opts: { deadline?: number } = {}): Promise<string> {
  const declaredHeader = source.headers.get("content-length");
  const declared = Number(declaredHeader ?? NaN);
  if (declared > max) throw new BodyTooLarge();
  // With a declared length the native reader is far cheaper than a JS stream reader, and the
  // length is already known to fit.
  if (declaredHeader !== null && Number.isFinite(declared)) return withDeadline(source.text(), opts.deadline);
  const body = source.body;
  if (!body) return "";
  const reader = body.getReader();
  // On a timeout or an oversize body, cancel the reader so the sender's connection is let go.
  return withDeadline(readCounted(reader, max), opts.deadline).catch(async (e) => {
    await reader.cancel().catch(() => {});
    throw e;
  });
}

async function readCounted(reader: { read(): Promise<{ done: true; value?: undefined } | { done: false; value: Uint8Array }> }, max: number): Promise<string> {
  const parts: Uint8Array[] = [];
  let size = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    size += value.byteLength;
    if (size > max) throw new BodyTooLarge();
    parts.push(value);
  }
  return parts.length === 1 ? new TextDecoder().decode(parts[0]) : Buffer.concat(parts).toString("utf8");
}

function withDeadline(p: Promise<string>, deadline: number | undefined): Promise<string> {
  if (deadline === undefined) return p;
  let timer: ReturnType<typeof setTimeout> | undefined;
  const late = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new BodyTimeout()), Math.max(0, deadline - performance.now()));
  });
  return Promise.race([p, late]).finally(() => clearTimeout(timer));
}

/** Depth of nested arrays and objects, stopping as soon as it passes `limit`. */
export function exceedsDepth(value: unknown, limit: number): boolean {
  const stack: Array<[unknown, number]> = [[value, 1]];
  while (stack.length) {
    const [v, d] = stack.pop()!;
    if (v === null || typeof v !== "object") continue;
    if (d > limit) return true;
    for (const child of Array.isArray(v) ? v : Object.values(v)) {
      if (child !== null && typeof child === "object") stack.push([child, d + 1]);
    }
  }
  return false;
}
