import { rejectRequest } from "../../errors/vocabulary.ts";
import { lookup } from "../lookup.ts";
import type { ReasoningBlock } from "./wire.ts";

/**
 * Name of the extra field on an OpenAI tool call that carries the reasoning blocks which came
 * before it. The openai SDK keeps unknown tool-call fields, in full responses and when it
 * accumulates a stream, so a client that sends the assistant message back unchanged returns them.
 */
export const REASONING_FIELD = "reasoning_blocks";

/** The blocks a client echoed on a tool call, checked, or none. */
export function echoedReasoning(toolCall: Record<string, unknown>, param: string): ReasoningBlock[] {
  const raw = toolCall[REASONING_FIELD];
  if (raw == null) return [];
  if (!Array.isArray(raw)) throw rejectRequest(`${param}.${REASONING_FIELD} must be an array, as it was received`, `${param}.${REASONING_FIELD}`);
  return raw.map((b: any, i): ReasoningBlock => {
    const p = `${param}.${REASONING_FIELD}[${i}]`;
    if (b && typeof b.redactedContent === "string") return { redactedContent: b.redactedContent };
    const t = b?.reasoningText;
    if (t && typeof t.text === "string" && typeof t.signature === "string") return { reasoningText: { text: t.text, signature: t.signature } };
    throw rejectRequest(`${p} must be sent back exactly as it was received`, p);
  });
}

/**
 * Thinking budgets per OpenAI effort. Anthropic's minimum is 1024. `xhigh` gets `high`'s budget:
 * a larger one would push the default max_tokens past the non-streaming ceiling below.
 */
const BUDGETS: Readonly<Record<string, number>> = { minimal: 1024, low: 2048, medium: 8192, high: 16384, xhigh: 16384 };
const MIN_BUDGET = 1024;
/** Room for the answer itself when the client set no max_tokens; Anthropic counts thinking inside max_tokens. */
const ANSWER_ROOM = 4096;
/**
 * Anthropic refuses non-streaming requests whose max_tokens could take longer than its timeout
 * (above 21,333), so the default max_tokens stays under it; the largest budget plus the answer
 * room fits.
 */
const NON_STREAM_MAX = 21333;

const ANTHROPIC_MODEL = /(^|[.:/])anthropic\./;

export interface Thinking {
  additionalModelRequestFields: { thinking: { type: "enabled"; budget_tokens: number } };
  maxTokens: number;
}

/**
 * `reasoning_effort` → Anthropic extended thinking via Converse's additionalModelRequestFields.
 * Only Anthropic models take this field (other families name reasoning differently or not at
 * all), so elsewhere it is a 400 instead of a silent drop. With the client's own max_tokens the
 * budget is at most half of it, leaving the other half for the answer.
 */
export function thinkingFor(effort: unknown, model: string, clientMaxTokens: number | undefined, stream: boolean): Thinking | null {
  if (effort == null || effort === "none") return null;
  if (typeof effort !== "string" || lookup(BUDGETS, effort) === undefined) {
    throw rejectRequest(`reasoning_effort must be one of none, ${Object.keys(BUDGETS).join(", ")}`, "reasoning_effort");
  }
  if (!ANTHROPIC_MODEL.test(model)) {
    throw rejectRequest(
      `reasoning_effort is supported on Bedrock only for Anthropic Claude models (model ids containing 'anthropic.'); '${model}' is not one`,
      "reasoning_effort",
    );
  }
  const wanted = BUDGETS[effort];
  if (clientMaxTokens !== undefined) {
    const budget = Math.max(MIN_BUDGET, Math.min(wanted, Math.floor(clientMaxTokens / 2)));
    if (budget >= clientMaxTokens) {
      throw rejectRequest(
        `reasoning_effort needs max_tokens above ${MIN_BUDGET} on Anthropic models (thinking takes at least ${MIN_BUDGET} tokens of it); got ${clientMaxTokens}`,
        "max_tokens",
      );
    }
    return { additionalModelRequestFields: { thinking: { type: "enabled", budget_tokens: budget } }, maxTokens: clientMaxTokens };
  }
  const maxTokens = stream ? wanted + ANSWER_ROOM : Math.min(wanted + ANSWER_ROOM, NON_STREAM_MAX);
  return { additionalModelRequestFields: { thinking: { type: "enabled", budget_tokens: wanted } }, maxTokens };
}
