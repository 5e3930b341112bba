import type { Target } from "./types.ts";

export interface ProbeResult {
  /** ok: the key was accepted; key_rejected: 401/403; http_error: any other status; unreachable: no answer; not_checked: no free call exists. */
  verdict: "ok" | "key_rejected" | "http_error" | "unreachable" | "not_checked";
  status: number | null;
  latency_ms: number | null;
  /** The origin asked (never the key); null when nothing was sent. */
  origin: string | null;
  /** Why it was unreachable: a timeout or the network error's code. */
  reason: string | null;
}

/**
 * The cheapest authenticated call per protocol: listing models costs nothing and needs the key.
 * Bedrock's runtime endpoint has no such call (listing is on another service), so it is not tried.
 */
function probeRequest(t: Target): { url: string; headers: Record<string, string> } | null {
  const h = t.headers;
  switch (t.provider.protocol) {
    case "openai":
      return { url: `${t.baseUrl}/models`, headers: { ...h, ...(t.key ? { authorization: `Bearer ${t.key}` } : {}) } };
    case "anthropic":
      return { url: `${t.baseUrl}/v1/models`, headers: { ...h, "x-api-key": t.key ?? "", "anthropic-version": "2023-06-01" } };
    case "gemini":
      return { url: `${t.baseUrl}/v1beta/models`, headers: { ...h, "x-goog-api-key": t.key ?? "" } };
    case "cohere":
      return { url: `${t.baseUrl}/v1/models`, headers: { ...h, authorization: `Bearer ${t.key}` } };
    case "azure":
      return { url: `${t.baseUrl}/openai/models?api-version=${t.apiVersion ?? "2024-10-21"}`, headers: { ...h, "api-key": t.key ?? "" } };
    case "bedrock":
      return null;
  }
}

/** One authenticated request to the provider, within `timeoutMs`: `doctor --online` and the UI's "test connection". */
export async function probeProvider(t: Target, timeoutMs: number): Promise<ProbeResult> {
  const req = probeRequest(t);
  if (!req) return { verdict: "not_checked", status: null, latency_ms: null, origin: null, reason: null };
  const origin = new URL(req.url).origin;
  const started = performance.now();
  const ms = () => Math.round(performance.now() - started);
  let res: Response;
  try {
    res = await fetch(req.url, { headers: req.headers, signal: AbortSignal.timeout(timeoutMs) });
    await res.body?.cancel();
  } catch (e: any) {
    const reason = e?.name === "TimeoutError" ? `no answer within ${timeoutMs / 1000} s` : (e?.code ?? e?.message ?? String(e));
    return { verdict: "unreachable", status: null, latency_ms: ms(), origin, reason };
  }
  const verdict = res.status === 401 || res.status === 403 ? "key_rejected" : res.ok ? "ok" : "http_error";
  return { verdict, status: res.status, latency_ms: ms(), origin, reason: null };
}
