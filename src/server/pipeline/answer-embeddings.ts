import type { Config } from "../../config/schema.ts";
import { type EmbeddingsRequestBody, type EmbeddingsResponse, encodeVector } from "../../openai/embeddings.ts";
import type { EmbeddingsSuccess } from "../../routing/embed-attempt.ts";
import type { Call } from "../call.ts";
import type { Finish } from "./finish.ts";
import { TRACE_HEADER } from "./respond.ts";

/**
 * The answer step of POST /v1/embeddings: OpenAI's list of embeddings in input order, each in the
 * encoding the client asked for, the model the upstream reported (the target's id when it names
 * none), usage, and the extras. A provider that reports no token count (Gemini) answers 0 in
 * `usage` and leaves the trace's input tokens and cost unknown (null), never a made-up number.
 */
export function answerEmbeddings(call: Call, config: Config, finish: Finish, body: EmbeddingsRequestBody, result: EmbeddingsSuccess): Response {
  call.markFirstByte();
  const model = result.model ?? call.model ?? body.model;
  const tokens = result.promptTokens;
  if (tokens !== null) call.setUsage({ prompt_tokens: tokens, completion_tokens: 0, total_tokens: tokens }, config, model);
  const format = body.encoding_format ?? "float";
  const answer: EmbeddingsResponse = {
    object: "list",
    data: result.vectors.map((v, index) => ({ object: "embedding", index, embedding: encodeVector(v, format) })),
    model,
    usage: { prompt_tokens: tokens ?? 0, total_tokens: tokens ?? 0 },
  };
  const out = JSON.stringify({ ...answer, ...call.extras() });
  finish(200, null);
  return new Response(out, { status: 200, headers: { "content-type": "application/json", [TRACE_HEADER]: call.id } });
}
