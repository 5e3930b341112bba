import { ApiError, toWire } from "../../errors/vocabulary.ts";
import type { ChatRequestBody } from "../../openai/schema.ts";
import type { ProtocolAdapter, Target } from "../../providers/types.ts";
import { attemptOnce, prepareTarget, type UpstreamAccess } from "../../routing/attempt.ts";
import type { TargetHealth } from "../../routing/health.ts";
import { type AttemptDeps, waitUnlessAborted } from "../../routing/run-attempts.ts";
import type { ChatAttempt } from "../chat.ts";

/** A request in an inbound dialect (Messages, Responses) as each try sees it: the chat translation, and why there is none, if there is none. */
export interface DialectAttempt extends ChatAttempt {
  untranslatable: ApiError | null;
}

/**
 * The attempt loop's real world for an inbound dialect, built once per engine: a target that
 * speaks the dialect itself gets the client's request as it is (`passThrough` returns the adapter
 * that sends it); any other gets the chat translation, or, when there is none, the 400 that says
 * why (the loop answers a 400 at once, so a fallback to a target that can take it still happens first).
 */
export function dialectAttempts<R extends DialectAttempt>(
  health: TargetHealth,
  upstream: UpstreamAccess,
  passThrough: (target: Target, adapter: ProtocolAdapter, request: R) => ProtocolAdapter | null,
): AttemptDeps<R> {
  const { fetch: send, offline } = upstream;
  return {
    health,
    prepare: (planned, r) => prepareTarget(planned, r.settings, r.env, offline),
    attempt: async ({ adapter, target }, r, abort) => {
      const native = passThrough(target, adapter, r);
      if (native) return attemptOnce(native, target, r.body, r.stream, r.limits, abort, send);
      if (r.untranslatable) return { ok: false, status: r.untranslatable.status, mapped: toWire(r.untranslatable) };
      return attemptOnce(adapter, target, r.body, r.stream, r.limits, abort, send);
    },
    wait: waitUnlessAborted,
  };
}

/**
 * The chat translation of a dialect request. A refusal `deferrable` admits (one that only a
 * translated target would need) does not fail the request: it comes back as `untranslatable`,
 * answered only if a target that needs the translation is tried, with a stand-in body meanwhile,
 * since a target that speaks the dialect takes the client's request as it is.
 */
export function translateOrDefer(
  model: string,
  stream: boolean,
  translate: () => ChatRequestBody,
  deferrable: (e: ApiError) => boolean,
): { body: ChatRequestBody; untranslatable: ApiError | null } {
  try {
    return { body: translate(), untranslatable: null };
  } catch (e) {
    if (!(e instanceof ApiError) || !deferrable(e)) throw e;
    return { body: { model, messages: [], stream }, untranslatable: e };
  }
}
