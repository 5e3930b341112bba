import { z } from "zod";
import { ApiError } from "../../errors/vocabulary.ts";
import type { TraceCursor } from "../../traces/queries.ts";

/**
 * Query-string parsing for /api/, with zod. A bad parameter is a 400 naming it, in OpenAI's
 * error shape like every other answer of the engine.
 */

/** ISO-8601 or epoch milliseconds → epoch milliseconds. */
export const instant = z.string().transform((s, ctx) => {
  const n = /^\d+$/.test(s) ? Number(s) : Date.parse(s);
  if (Number.isNaN(n)) {
    ctx.addIssue({ code: "custom", message: "expected an ISO-8601 time or epoch milliseconds" });
    return z.NEVER;
  }
  return n;
});

const short = z.string().min(1).max(256);

/** Opaque to clients: base64url of `[ts_ms, id]` of the last row shown. */
export function encodeCursor(c: TraceCursor): string {
  return Buffer.from(JSON.stringify([c.tsMs, c.id])).toString("base64url");
}

const cursor = z.string().transform((s, ctx) => {
  try {
    const [tsMs, id] = JSON.parse(Buffer.from(s, "base64url").toString("utf8"));
    if (typeof tsMs === "number" && Number.isFinite(tsMs) && typeof id === "string") return { tsMs, id } as TraceCursor;
  } catch {}
  ctx.addIssue({ code: "custom", message: "not a cursor this engine handed out (next_cursor)" });
  return z.NEVER;
});

const tag = z.string().transform((s, ctx) => {
  const eq = s.indexOf("=");
  if (eq <= 0) {
    ctx.addIssue({ code: "custom", message: "expected key=value" });
    return z.NEVER;
  }
  return { key: s.slice(0, eq), value: s.slice(eq + 1) };
});

export const TraceListParams = z.strictObject({
  limit: z.coerce.number().int().min(1).max(500).default(50),
  cursor: cursor.optional(),
  since: instant.optional(),
  until: instant.optional(),
  model: short.optional(),
  provider: short.optional(),
  alias: short.optional(),
  status: z.enum(["ok", "error"]).optional(),
  token: short.optional(),
  user: short.optional(),
  session: short.optional(),
  tag: tag.optional(),
  q: short.optional(),
});

export const ActivityParams = z.strictObject({
  since: instant.optional(),
  until: instant.optional(),
  bucket: z.enum(["minute", "hour", "day"]).default("hour"),
  by: z.enum(["model", "provider", "alias", "token", "user", "tag"]).default("model"),
  /** With by=tag: only this tag's values (`run`: the runs side by side). */
  tag_key: short.optional(),
});

/** The URL's query parameters through `schema`, or the 400 for the first bad one. */
export function parseQuery<T extends z.ZodType>(url: URL, schema: T): z.output<T> {
  const raw: Record<string, string> = {};
  for (const [k, v] of url.searchParams) raw[k] = v;
  const r = schema.safeParse(raw);
  if (r.success) return r.data;
  const issue = r.error.issues[0];
  const param = issue.path.length ? String(issue.path[0]) : (((issue as any).keys?.[0] as string | undefined) ?? null);
  throw new ApiError("invalid_value", `Invalid query parameter${param ? ` '${param}'` : ""}: ${issue.message}.`, param);
}
