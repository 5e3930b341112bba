// The one request every target answers, in the shape each target is called with. Every target
// gets the same conversation, so the mock returns the same answer to all of them.

import type { Dialect, Mode } from "./options.ts";

export interface HttpRequest {
  url: string;
  headers: Record<string, string>;
  body: string;
}

/** How an answer must look for the checker: which wire shape, and whether opentracy's extras belong. */
export interface Expectation {
  shape: Dialect;
  /** `_cost` (a priced number), `_routing` and the trace-id header must be there */
  extras: boolean;
}

const SYSTEM = "You are terse.";
const USER = "Say hello.";

/** The OpenAI chat request a client would send to a gateway (no include_usage: what the SDKs send by default). */
export function openaiBody(model: string, mode: Mode): string {
  return JSON.stringify({
    model,
    messages: [
      { role: "system", content: SYSTEM },
      { role: "user", content: USER },
    ],
    max_tokens: 64,
    ...(mode === "stream" ? { stream: true } : {}),
  });
}

/** The same conversation as Anthropic's Messages API takes it, for calling the mock without a gateway. */
export function anthropicBody(model: string, mode: Mode): string {
  return JSON.stringify({
    model,
    max_tokens: 64,
    system: SYSTEM,
    messages: [{ role: "user", content: USER }],
    ...(mode === "stream" ? { stream: true } : {}),
  });
}

export const JSON_CT = { "content-type": "application/json" };
export const ANTHROPIC_HEADERS = { ...JSON_CT, "x-api-key": "bench-key", "anthropic-version": "2023-06-01" };
export const OPENAI_HEADERS = { ...JSON_CT, authorization: "Bearer sk-bench" };

/** Models the price catalogue knows, so the engine's `_cost` is a real number and pricing is on the path. */
export const MODELS = {
  openai: "gpt-4o-mini",
  anthropic: "claude-haiku-4-5",
} as const;

/** The mock's path prefix for a scenario: chunk count and delay between chunks. */
export const scenario = (chunks: number, delayMs = 0) => `/${chunks}/${delayMs}`;

/** Path of the dialect's endpoint under a base that ends in the scenario prefix. */
export const dialectPath = (dialect: Dialect) => (dialect === "openai" ? "/v1/chat/completions" : "/v1/messages");
