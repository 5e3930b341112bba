/**
 * A collector's OTLP/HTTP traces receiver (opentelemetry-proto's JSON encoding, as documented in
 * the OTLP specification): POST /v1/traces with `content-type: application/json`, answered with
 * `{"partialSuccess": {}}`; other content types get 415 and other paths 404, as the collector
 * answers them. It decodes what it receives into plain spans for tests to check.
 */
export interface ReceivedSpan {
  traceId: string;
  spanId: string;
  parentSpanId: string;
  name: string;
  /** SPAN_KIND_CLIENT is 3. */
  kind: number;
  startMs: number;
  endMs: number;
  attributes: Record<string, unknown>;
  status: { code?: number; message?: string };
  resource: Record<string, unknown>;
}

interface AnyValue {
  stringValue?: string;
  intValue?: string | number;
  doubleValue?: number;
  boolValue?: boolean;
  arrayValue?: { values?: AnyValue[] };
}

function value(v: AnyValue): unknown {
  if (v.stringValue !== undefined) return v.stringValue;
  if (v.intValue !== undefined) return Number(v.intValue);
  if (v.doubleValue !== undefined) return v.doubleValue;
  if (v.boolValue !== undefined) return v.boolValue;
  if (v.arrayValue) return (v.arrayValue.values ?? []).map(value);
  return undefined;
}

const attrs = (list: { key: string; value: AnyValue }[] = []) => Object.fromEntries(list.map((a) => [a.key, value(a.value)]));
const ms = (nanos: string | number) => Number(BigInt(nanos) / 1_000_000n);

export interface FakeOtlp {
  url: string;
  spans: ReceivedSpan[];
  requests: number;
  close(): Promise<void>;
}

export function startOtlpReceiver(): FakeOtlp {
  const spans: ReceivedSpan[] = [];
  const fake: FakeOtlp = { url: "", spans, requests: 0, close: async () => server.stop(true) };
  const server = Bun.serve({
    port: 0,
    hostname: "127.0.0.1",
    async fetch(req) {
      const url = new URL(req.url);
      if (url.pathname !== "/v1/traces" || req.method !== "POST") return new Response("404 page not found\n", { status: 404 });
      if (!(req.headers.get("content-type") ?? "").startsWith("application/json")) return new Response("unsupported content type", { status: 415 });
      fake.requests++;
      const body = (await req.json()) as any;
      for (const rs of body.resourceSpans ?? []) {
        const resource = attrs(rs.resource?.attributes);
        for (const ss of rs.scopeSpans ?? []) {
          for (const s of ss.spans ?? []) {
            spans.push({
              traceId: s.traceId,
              spanId: s.spanId,
              parentSpanId: s.parentSpanId ?? "",
              name: s.name,
              kind: s.kind,
              startMs: ms(s.startTimeUnixNano),
              endMs: ms(s.endTimeUnixNano),
              attributes: attrs(s.attributes),
              status: s.status ?? {},
              resource,
            });
          }
        }
      }
      return Response.json({ partialSuccess: {} });
    },
  });
  fake.url = `http://127.0.0.1:${server.port}`;
  return fake;
}
