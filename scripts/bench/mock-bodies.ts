// The mock's answers, in each API's documented wire shape (field order and extras copied from
// the recorded responses under test/providers/*/fixtures/), plus the text a correct relay must deliver, so the checker and
// the mock can never disagree about what "right" is.

const CREATED = 1770000000;
const OPENAI_MODEL = "gpt-4o-mini-2024-07-18";
const ANTHROPIC_MODEL = "claude-haiku-4-5-20251001";
const PROMPT_TOKENS = 12;

/** The i-th content piece; distinct per index so a dropped or duplicated chunk changes the text. */
export const piece = (i: number) => `w${i} `;

/** What the client must end up reading: all pieces in order (non-stream answers carry the same text). */
export function expectedText(chunks: number): string {
  let s = "";
  for (let i = 0; i < chunks; i++) s += piece(i);
  return s;
}

const openaiUsage = (completion: number) => ({
  prompt_tokens: PROMPT_TOKENS,
  completion_tokens: completion,
  total_tokens: PROMPT_TOKENS + completion,
  prompt_tokens_details: { cached_tokens: 0, audio_tokens: 0 },
  completion_tokens_details: { reasoning_tokens: 0, audio_tokens: 0, accepted_prediction_tokens: 0, rejected_prediction_tokens: 0 },
});

export function openaiCompletion(chunks: number): string {
  return JSON.stringify({
    id: "chatcmpl-bench",
    object: "chat.completion",
    created: CREATED,
    model: OPENAI_MODEL,
    choices: [
      { index: 0, message: { role: "assistant", content: expectedText(chunks), refusal: null, annotations: [] }, logprobs: null, finish_reason: "stop" },
    ],
    usage: openaiUsage(chunks),
    service_tier: "default",
    system_fingerprint: "fp_bench",
  });
}

const openaiChunk = (delta: object, finish: string | null, usage: object | null, choices = true) =>
  `data: ${JSON.stringify({
    id: "chatcmpl-bench",
    object: "chat.completion.chunk",
    created: CREATED,
    model: OPENAI_MODEL,
    service_tier: "default",
    system_fingerprint: "fp_bench",
    choices: choices ? [{ index: 0, delta, logprobs: null, finish_reason: finish }] : [],
    usage,
  })}\n\n`;

export function* openaiStreamEvents(chunks: number, usage: boolean): Generator<string> {
  yield openaiChunk({ role: "assistant", content: "", refusal: null }, null, null);
  for (let i = 0; i < chunks; i++) yield openaiChunk({ content: piece(i) }, null, null);
  yield openaiChunk({}, "stop", null);
  if (usage) yield openaiChunk({}, null, openaiUsage(chunks), false);
  yield "data: [DONE]\n\n";
}

const anthropicUsage = (output: number) => ({
  input_tokens: PROMPT_TOKENS,
  cache_creation_input_tokens: 0,
  cache_read_input_tokens: 0,
  cache_creation: { ephemeral_5m_input_tokens: 0, ephemeral_1h_input_tokens: 0 },
  output_tokens: output,
  service_tier: "standard",
});

export function anthropicMessage(chunks: number): string {
  return JSON.stringify({
    model: ANTHROPIC_MODEL,
    id: "msg_bench",
    type: "message",
    role: "assistant",
    content: [{ type: "text", text: expectedText(chunks) }],
    stop_reason: "end_turn",
    stop_sequence: null,
    usage: anthropicUsage(chunks),
  });
}

const sse = (type: string, data: object) => `event: ${type}\ndata: ${JSON.stringify({ type, ...data })}\n\n`;

export function* anthropicStreamEvents(chunks: number): Generator<string> {
  yield sse("message_start", {
    message: {
      model: ANTHROPIC_MODEL,
      id: "msg_bench",
      type: "message",
      role: "assistant",
      content: [],
      stop_reason: null,
      stop_sequence: null,
      usage: anthropicUsage(1),
    },
  });
  yield sse("content_block_start", { index: 0, content_block: { type: "text", text: "" } });
  yield sse("ping", {});
  for (let i = 0; i < chunks; i++) yield sse("content_block_delta", { index: 0, delta: { type: "text_delta", text: piece(i) } });
  yield sse("content_block_stop", { index: 0 });
  yield sse("message_delta", {
    delta: { stop_reason: "end_turn", stop_sequence: null },
    usage: { input_tokens: PROMPT_TOKENS, cache_creation_input_tokens: 0, cache_read_input_tokens: 0, output_tokens: chunks },
  });
  yield sse("message_stop", {});
}
