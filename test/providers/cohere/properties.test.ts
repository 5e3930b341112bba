import { describe, expect, test } from "bun:test";
import fc from "fast-check";
import { ApiError, toWire } from "../../../src/errors/vocabulary.ts";
import { nativeRequest } from "../../../src/providers/cohere/request.ts";
import { parseResponse } from "../../../src/providers/cohere/response.ts";
import { cohereTarget } from "./helpers.ts";
import { chatRequest, messages } from "./openai-requests.ts";

const MODEL = "command-a-03-2025";

// The fields Cohere's v2 chat API defines (the cohere-ai SDK's serializers); any other is a 422.
const REQUEST_FIELDS = new Set(
  "model messages stream tools strict_tools documents citation_options response_format safety_mode max_tokens stop_sequences temperature seed frequency_penalty presence_penalty k p logprobs tool_choice thinking priority".split(
    " ",
  ),
);
const MESSAGE_FIELDS: Record<string, string[]> = {
  system: ["role", "content"],
  user: ["role", "content"],
  assistant: ["role", "content", "tool_calls", "tool_plan", "citations"],
  tool: ["role", "tool_call_id", "content"],
};

const textOf = (content: unknown): string =>
  typeof content === "string" ? content : Array.isArray(content) ? content.map((p: any) => (p.type === "text" ? p.text : "")).join("") : "";

/** Whether Cohere cannot honour the request, so a 400 is the right answer. */
function refusable(body: any): boolean {
  const tools: any[] = body.tools ?? [];
  const choice = body.tool_choice;
  if (body.n > 1 || body.logprobs === true) return true;
  if ((choice === "required" || typeof choice === "object") && tools.length === 0) return true;
  return typeof choice === "object" && !tools.some((t) => t.function.name === choice.function.name);
}

describe("properties", () => {
  test("any valid OpenAI request translates, or is refused with a 400 naming a parameter, exactly when Cohere cannot honour it", () => {
    fc.assert(
      fc.property(chatRequest, (body) => {
        let out;
        try {
          out = nativeRequest(body, MODEL, body.stream === true);
        } catch (e) {
          expect(e).toBeInstanceOf(ApiError);
          const mapped = toWire(e as ApiError);
          expect(mapped.status).toBe(400);
          expect(mapped.error.param).toBeTruthy();
          expect(refusable(body)).toBe(true);
          return;
        }
        expect(refusable(body)).toBe(false);
        for (const key of Object.keys(out)) expect(REQUEST_FIELDS.has(key)).toBe(true);
        expect(out.messages).toHaveLength(body.messages.length);
        for (const m of out.messages) for (const key of Object.keys(m)) expect(MESSAGE_FIELDS[m.role]).toContain(key);
        for (const t of out.tools ?? []) expect(Object.keys(t.function).every((k) => ["name", "description", "parameters"].includes(k))).toBe(true);
        if (out.p !== undefined) expect(out.p >= 0.01 && out.p <= 0.99).toBe(true);
        expect(out.stream).toBe(body.stream === true);
      }),
      { numRuns: 400 },
    );
  });

  test("request → Cohere → response keeps every message: roles, text, images, tool calls, tool results, reasoning", () => {
    fc.assert(
      fc.property(messages, (msgs) => {
        const native = nativeRequest({ model: `cohere/${MODEL}`, messages: msgs }, MODEL, false).messages;
        expect(native).toHaveLength(msgs.length);
        msgs.forEach((m: any, i) => {
          const n: any = native[i];
          if (m.role === "system" || m.role === "developer") return expect(n).toEqual({ role: "system", content: textOf(m.content) });
          if (m.role === "tool") return expect(n).toEqual({ role: "tool", tool_call_id: m.tool_call_id, content: textOf(m.content) });
          if (m.role === "user") {
            if (typeof m.content === "string") return expect(n).toEqual({ role: "user", content: m.content });
            return expect(n.content.map((p: any) => p.text ?? p.image_url.url)).toEqual(m.content.map((p: any) => p.text ?? p.image_url.url));
          }
          // An assistant message sent back is what Cohere itself answers: parse it as an answer.
          const calls: any[] = m.tool_calls ?? [];
          const asAnswer = {
            id: "r",
            finish_reason: calls.length ? "TOOL_CALL" : "COMPLETE",
            message: { ...n, content: typeof n.content === "string" ? (n.content ? [{ type: "text", text: n.content }] : []) : n.content },
          };
          const back: any = parseResponse(JSON.stringify(asAnswer), cohereTarget()).choices[0].message;
          expect(back.content).toBe(calls.length && !textOf(m.content) ? null : textOf(m.content));
          expect(back.reasoning_content).toBe(m.reasoning_content || undefined);
          if (calls.length) {
            expect(back.tool_calls).toEqual(calls.map((c) => ({ ...c, function: { ...c.function, arguments: c.function.arguments || "{}" } })));
          } else {
            expect(back.tool_calls).toBeUndefined();
          }
        });
      }),
      { numRuns: 300 },
    );
  });
});
