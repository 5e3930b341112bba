import { createHash } from "node:crypto";

/**
 * An upstream request as a cassette knows it: what decides the answer, and nothing that could
 * carry a secret. The host is left out so a recording replays whatever the base URL (a fake's
 * port, a proxy); headers only when they change the answer; query parameters that look like
 * credentials (Gemini's `key`, a signed URL's `X-Amz-Signature`) are dropped.
 */
export interface CassetteRequest {
  method: string;
  /** The URL's path and query, without the host or any credential-looking parameter. */
  path: string;
  headers: Record<string, string>;
  /** The JSON body parsed, or its text when it is not JSON. */
  body: unknown;
}

/** The request headers that change the answer; no other header (keys, signatures, user agents) is kept. */
const ANSWER_HEADERS = ["anthropic-version", "anthropic-beta", "openai-beta"];
const SECRET_PARAM = /key|token|sig|secret|auth|credential|password|^x-amz-/i;

export function cassetteRequest(url: string, init: RequestInit): CassetteRequest {
  const u = new URL(url);
  for (const name of [...u.searchParams.keys()]) if (SECRET_PARAM.test(name)) u.searchParams.delete(name);
  const given = new Headers(init.headers);
  const headers: Record<string, string> = {};
  for (const h of ANSWER_HEADERS) {
    const v = given.get(h);
    if (v !== null) headers[h] = v;
  }
  return { method: (init.method ?? "GET").toUpperCase(), path: u.pathname + u.search, headers, body: parseBody(init.body) };
}

function parseBody(body: RequestInit["body"]): unknown {
  if (body === undefined || body === null) return null;
  const text = typeof body === "string" ? body : body instanceof Uint8Array || body instanceof ArrayBuffer ? new TextDecoder().decode(body) : String(body);
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}

/** JSON with object keys sorted and no whitespace: the same request always reads the same. */
export function canonicalJson(value: unknown): string {
  return JSON.stringify(sortKeys(value));
}

function sortKeys(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(sortKeys);
  if (value === null || typeof value !== "object") return value;
  const out: Record<string, unknown> = {};
  for (const k of Object.keys(value).sort()) out[k] = sortKeys((value as Record<string, unknown>)[k]);
  return out;
}

/** The request's key: sha256 of its canonical JSON, hex; also the cassette's file name. */
export function cassetteKey(request: CassetteRequest): string {
  return createHash("sha256").update(canonicalJson(request)).digest("hex");
}

/**
 * Where two requests differ, as field paths (`body.messages[1].content`, `headers.anthropic-beta`),
 * at most `limit` of them: what a miss names so the user sees what changed.
 */
export function differences(a: CassetteRequest, b: CassetteRequest, limit = 3): string[] {
  const out: string[] = [];
  diff(a, b, "", out, limit);
  return out;
}

function diff(a: unknown, b: unknown, path: string, out: string[], limit: number): void {
  if (out.length >= limit) return;
  if (Array.isArray(a) && Array.isArray(b)) {
    for (let i = 0; i < Math.max(a.length, b.length); i++) diff(a[i], b[i], `${path}[${i}]`, out, limit);
    return;
  }
  if (isObject(a) && isObject(b)) {
    const keys = new Set([...Object.keys(a), ...Object.keys(b)]);
    for (const k of [...keys].sort()) diff(a[k], b[k], path ? `${path}.${k}` : k, out, limit);
    return;
  }
  if (canonicalJson(a) !== canonicalJson(b)) out.push(path);
}

const isObject = (v: unknown): v is Record<string, unknown> => v !== null && typeof v === "object" && !Array.isArray(v);

/** How many leaf fields differ, up to `cap`: the distance the nearest recorded request is chosen by. */
export function distance(a: CassetteRequest, b: CassetteRequest, cap = 1000): number {
  return differences(a, b, cap).length;
}
