import { errorJson } from "../openai/errors.ts";
import { ChatRequest, paramPath, type ChatRequestBody } from "../openai/schema.ts";
import { ADAPTERS } from "../providers/adapters.ts";
import { UpstreamError } from "../providers/errors.ts";
import type { MappedError, Target } from "../providers/types.ts";
import { resolveKey } from "../config/keys.ts";
import { resolveModel, UnknownModel } from "../routing/resolve.ts";
import { BodyTooLarge, readBody } from "./body.ts";
import { Call } from "./call.ts";
import type { Engine } from "./engine.ts";
import { relayStream } from "./stream-relay.ts";

const TRACE_HEADER = "x-opentracy-trace-id";

/** POST /v1/chat/completions: parse once, resolve, call the upstream, answer in OpenAI's shape, trace. */
export async function handleChat(req: Request, engine: Engine): Promise<Response> {
  const call = new Call(engine.writer);
  const { config, secrets } = engine.settings.current;

  type FailOpts = { param?: string | null; code?: string | null; attempted?: boolean };
  const fail = (status: number, message: string, type: string, opts: FailOpts = {}) => {
    if (opts.attempted) call.attempt(status, type);
    call.finish(status, { type, message });
    return errorJson(status, message, type, { ...opts, headers: { [TRACE_HEADER]: call.id } });
  };
  const clientGone = () => {
    call.attempt(null, "client_disconnected");
    call.finish(499, { type: "client_disconnected", message: "the client closed the connection before the upstream answered" });
    return new Response(null, { status: 499 });
  };
  const failMapped = (m: MappedError, attempted = true) => {
    if (attempted) call.attempt(m.status, m.error.type);
    call.finish(m.status, { type: m.error.type, message: m.error.message });
    return new Response(JSON.stringify({ error: m.error }), {
      status: m.status,
      headers: { ...m.headers, "content-type": "application/json", [TRACE_HEADER]: call.id },
    });
  };

  let text: string;
  try {
    text = await readBody(req, engine.maxBodyBytes);
  } catch (e) {
    if (e instanceof BodyTooLarge) {
      return fail(413, `Request body is larger than the limit of ${engine.maxBodyBytes} bytes.`, "invalid_request_error", { code: "request_too_large" });
    }
    return fail(400, "The request body could not be read.", "invalid_request_error");
  }

  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch {
    return fail(400, "We could not parse the JSON body of your request. The body must be a JSON object.", "invalid_request_error", { code: "invalid_json" });
  }
  if (raw && typeof raw === "object" && typeof (raw as any).model === "string") call.requested = (raw as any).model;
  const checked = ChatRequest.safeParse(raw);
  if (!checked.success) {
    const issue = checked.error.issues[0];
    const param = paramPath(issue.path) || null;
    return fail(400, `Invalid value for '${param ?? "body"}': ${issue.message}`, "invalid_request_error", { param, code: "invalid_value" });
  }
  // Forward the client's own object, not zod's copy: unknown fields must reach the upstream as sent.
  const body = raw as ChatRequestBody;
  call.stream = body.stream === true;
  call.request = body.messages;

  let resolved;
  try {
    resolved = resolveModel(body.model, config);
  } catch (e) {
    if (e instanceof UnknownModel) return fail(404, e.message, "invalid_request_error", { param: "model", code: "model_not_found" });
    throw e;
  }
  const { provider, model } = resolved;
  call.alias = resolved.alias;
  call.provider = provider.name;
  call.model = model;

  const adapter = ADAPTERS[provider.protocol];
  if (!adapter) {
    return fail(501, `The ${provider.name} protocol is not supported by this engine version yet.`, "invalid_request_error", { param: "model", code: "provider_not_supported" });
  }
  const key = resolveKey(provider, secrets, engine.env);
  const override = config.providers[provider.name];
  const target: Target = {
    provider,
    model,
    baseUrl: (engine.env[provider.baseUrlEnv] || override?.base_url || provider.baseUrl).replace(/\/+$/, ""),
    key: key?.value ?? null,
    headers: override?.headers ?? {},
    secrets,
    env: engine.env,
  };
  const missing = adapter.missingCredentials
    ? adapter.missingCredentials(target)
    : !key && provider.keyEnv
      ? `No API key for ${provider.name}. Add one with \`opentracy keys set ${provider.name}\` or set ${provider.keyEnv}.`
      : null;
  if (missing) return fail(401, missing, "authentication_error", { code: "missing_api_key" });

  let upstream;
  try {
    upstream = await adapter.buildRequest(body, target, call.stream);
  } catch (e) {
    if (e instanceof UpstreamError) return failMapped(e.mapped, false);
    throw e;
  }
  const { url, init } = upstream;
  const abort = new AbortController();
  const onClientGone = () => abort.abort();
  req.signal.addEventListener("abort", onClientGone, { once: true });

  let res: Response;
  try {
    res = await fetch(url, { ...init, signal: abort.signal });
  } catch (e: any) {
    if (abort.signal.aborted) return clientGone();
    return fail(502, `Could not reach ${provider.name} at ${target.baseUrl}: ${e?.code ?? e?.message ?? e}`, "api_error", { code: "upstream_unreachable", attempted: true });
  }

  if (!res.ok) {
    const errText = await res.text().catch(() => "");
    return failMapped(adapter.mapError(res.status, errText, res.headers, target));
  }

  if (call.stream) {
    const clientWantsUsage = body.stream_options?.include_usage === true;
    const keepText = engine.contentPolicy().content;
    const stream = relayStream(adapter.streamChunks(res.body!, target), { call, config, clientWantsUsage, keepText, abort });
    return new Response(stream, {
      status: 200,
      headers: {
        "content-type": "text/event-stream; charset=utf-8",
        "cache-control": "no-cache",
        connection: "keep-alive",
        [TRACE_HEADER]: call.id,
      },
    });
  }

  let textOut: string;
  try {
    textOut = await res.text();
  } catch (e: any) {
    if (abort.signal.aborted) return clientGone();
    return fail(502, `${provider.name} closed the connection mid-answer: ${e?.message ?? e}`, "api_error", { code: "upstream_interrupted", attempted: true });
  } finally {
    req.signal.removeEventListener("abort", onClientGone);
  }
  let completion;
  try {
    completion = adapter.parseResponse(textOut, target);
  } catch (e) {
    if (e instanceof UpstreamError) return failMapped(e.mapped);
    throw e;
  }
  call.markFirstByte();
  call.setUsage(completion.usage, config, completion.model);
  call.attempt(res.status, null);
  call.finishReason = completion.choices[0]?.finish_reason ?? null;
  call.toolCalls = completion.choices.reduce((n, c) => n + (Array.isArray(c.message?.tool_calls) ? c.message.tool_calls.length : 0), 0);
  call.response = completion.choices.map((c) => c.message);
  const out = JSON.stringify({ ...completion, ...call.extras() });
  call.finish(200, null);
  return new Response(out, { status: 200, headers: { "content-type": "application/json", [TRACE_HEADER]: call.id } });
}
