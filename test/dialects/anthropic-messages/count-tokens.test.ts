import { expect, test } from "bun:test";
import { countTokensRequest, estimateInputTokens, IMAGE_TOKENS, MESSAGE_OVERHEAD } from "../../../src/dialects/anthropic-messages/count-tokens.ts";

const LIMITS = { maxJsonDepth: 64, maxMessages: 100 };
const count = (body: Record<string, unknown>) => estimateInputTokens(countTokensRequest({ model: "m", ...body }, LIMITS));

test("3.5 characters a token, 4 a message, 1,600 an image; tools and tool traffic count", () => {
  expect(count({ messages: [{ role: "user", content: "x".repeat(35) }] })).toBe(10 + MESSAGE_OVERHEAD);
  expect(count({ system: "y".repeat(70), messages: [{ role: "user", content: "x".repeat(35) }] })).toBe(30 + MESSAGE_OVERHEAD);
  const image = { type: "image", source: { type: "base64", media_type: "image/png", data: "A".repeat(10_000) } };
  expect(count({ messages: [{ role: "user", content: [image] }] })).toBe(IMAGE_TOKENS + MESSAGE_OVERHEAD);
  const plain = count({ messages: [{ role: "user", content: "hi" }] });
  expect(
    count({ messages: [{ role: "user", content: "hi" }], tools: [{ name: "w", input_schema: { type: "object", properties: { city: { type: "string" } } } }] }),
  ).toBeGreaterThan(plain + 10);
  const withTools = count({
    messages: [
      { role: "user", content: "hi" },
      { role: "assistant", content: [{ type: "tool_use", id: "t", name: "w", input: { city: "Oslo".repeat(20) } }] },
      { role: "user", content: [{ type: "tool_result", tool_use_id: "t", content: "z".repeat(350) }] },
    ],
  });
  expect(withTools).toBeGreaterThan(plain + 100 + 20);
});

test("the body is validated like a Messages request, without max_tokens", () => {
  expect(() => countTokensRequest({ model: "m", messages: [{ role: "bot", content: "x" }] }, LIMITS)).toThrow(/messages\.0\.role/);
  expect(countTokensRequest({ model: "m", messages: [] }, LIMITS).model).toBe("m");
});
