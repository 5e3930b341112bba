import { describe, expect, test } from "bun:test";
import { ApiError } from "../../../src/errors/vocabulary.ts";
import { chatRequest } from "../../../src/server/pipeline/chat-request.ts";

const limits = { maxJsonDepth: 8, maxMessages: 3 };
const refusal = (raw: unknown): ApiError => {
  try {
    chatRequest(raw, limits);
  } catch (e) {
    if (e instanceof ApiError) return e;
    throw e;
  }
  throw new Error("accepted");
};

describe("chatRequest", () => {
  test("returns the client's own object, unknown fields included", () => {
    const raw = { model: "m", messages: [{ role: "user", content: "hi" }], vendor_extra: { a: 1 } };
    expect(chatRequest(raw, limits)).toBe(raw as any);
  });

  test("each refusal carries its code, status and the parameter at fault", () => {
    expect(refusal({ model: "m" })).toMatchObject({ code: "invalid_value", status: 400, param: "messages" });
    expect(refusal({ model: 1, messages: [] })).toMatchObject({ code: "invalid_value", param: "model" });
    const many = Array.from({ length: 4 }, () => ({ role: "user", content: "x" }));
    expect(refusal({ model: "m", messages: many })).toMatchObject({ code: "too_many_messages", status: 400, param: "messages" });
    let deep: unknown = "x";
    for (let i = 0; i < 10; i++) deep = [deep];
    expect(refusal({ model: "m", messages: [{ role: "user", content: "x" }], deep })).toMatchObject({ code: "too_deep", status: 400 });
  });
});
