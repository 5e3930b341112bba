import type { Server } from "bun";
import type { TokenEntry } from "../../auth/tokens.ts";
import type { TokenGuard } from "../../budgets/guard.ts";
import { ApiError, toWire, type WireError } from "../../errors/vocabulary.ts";
import type { LiveFeed } from "../../traces/live-feed.ts";
import type { TraceWriter } from "../../traces/writer.ts";
import type { Admission } from "../admission.ts";
import { type Api, Call } from "../call.ts";
import { connectionIdleSeconds, type Limits } from "../limits.ts";
import type { RequestLog } from "../request-log.ts";
import { type Finish, finishOnce } from "./finish.ts";
import { readMetadataHeaders } from "./metadata.ts";
import { failOpenAI } from "./respond.ts";

/** What every OpenAI-shaped endpoint uses of the engine around its own steps. */
export interface EndpointDeps {
  writer: Pick<TraceWriter, "enqueue" | "discards">;
  admission: Admission;
  limits: Limits;
  /** The terminal's line per request; null with `serve --quiet`. */
  requestLog: RequestLog | null;
  /** Finished traces for the UI's live view; absent in tests that do not watch. */
  liveFeed?: Pick<LiveFeed, "publish">;
  /** Per-token expiry, budgets and rate limits; absent in tests that do not need them. */
  tokenGuard?: Pick<TokenGuard, "admit">;
}

/** The response header on a request admitted over a soft budget: the periods reached, comma-separated. */
export const BUDGET_HEADER = "x-opentracy-budget-exceeded";
/** The trace tag with the same value: the UI and /api/traces show which calls went over a soft budget. */
export const BUDGET_TAG = "opentracy.budget_exceeded";

/**
 * The frame of every `/v1` endpoint: the request's Call (with the token, the metadata headers and
 * the API called), admission (429 when full), the finish step that records the trace once and
 * gives the slot back, and the edge where an ApiError from any step is answered in the endpoint's
 * own error shape (`fail`: OpenAI's by default, Anthropic's for /v1/messages).
 * `steps` is the endpoint's own composition (read, validate, plan, run attempts, answer).
 */
export async function serveEndpoint(
  req: Request,
  deps: EndpointDeps,
  token: TokenEntry | null,
  server: Server<undefined> | undefined,
  api: Api,
  steps: (call: Call, finish: Finish) => Promise<Response>,
  fail: (call: Call, finish: Finish, e: WireError) => Response = failOpenAI,
): Promise<Response> {
  const call = new Call();
  call.api = api;
  call.tokenName = token?.name ?? null;
  call.allow = token?.allow;
  readMetadataHeaders(req.headers, call);
  const { admission, limits } = deps;
  // The token's own limits, from memory: expiry, spend budgets, requests and tokens per minute.
  let over: string | null = null;
  if (token && deps.tokenGuard) {
    const verdict = deps.tokenGuard.admit(token);
    if (verdict instanceof ApiError) return fail(call, finishOnce(call, deps.writer, noop, deps.requestLog, deps.liveFeed), toWire(verdict));
    if (verdict.over.length) {
      over = verdict.over.join(",");
      call.tags = { ...call.tags, [BUDGET_TAG]: over };
    }
  }
  if (!admission.enter()) {
    const busy = new ApiError("engine_overloaded", `The engine is answering ${admission.max} requests already; retry shortly.`, null, { "retry-after": "1" });
    return fail(call, finishOnce(call, deps.writer, noop, deps.requestLog, deps.liveFeed), toWire(busy));
  }
  const finish = finishOnce(
    call,
    deps.writer,
    () => {
      admission.leave();
      // The slow-sender limit was lifted for this request's wait; give the keep-alive connection
      // its idle limit back, or idle clients would hold their sockets for ever.
      try {
        server?.timeout(req, connectionIdleSeconds(limits));
      } catch {
        // The connection is already gone.
      }
    },
    deps.requestLog,
    deps.liveFeed,
  );
  try {
    const res = await steps(call, finish);
    if (over) res.headers.set(BUDGET_HEADER, over);
    return res;
  } catch (e) {
    if (e instanceof ApiError) {
      const res = fail(call, finish, toWire(e));
      if (over) res.headers.set(BUDGET_HEADER, over);
      return res;
    }
    const bug = new ApiError("internal_error", String((e as Error)?.message ?? e));
    finish(bug.status, { type: bug.type, message: bug.message });
    throw e;
  }
}

const noop = () => {};
