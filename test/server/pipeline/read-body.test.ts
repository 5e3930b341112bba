import { describe, expect, test } from "bun:test";
import { ApiError } from "../../../src/errors/vocabulary.ts";
import { Call } from "../../../src/server/call.ts";
import { readCallBody, readJsonBody, requestedModel } from "../../../src/server/pipeline/read-body.ts";

const limits = { maxBodyBytes: 64, requestTimeoutMs: 1_000 };
const post = (body: string) => new Request("http://x/v1/chat/completions", { method: "POST", body });
const refusal = async (req: Request, t0 = performance.now()): Promise<ApiError> => {
  try {
    await readJsonBody(req, limits, t0);
  } catch (e) {
    if (e instanceof ApiError) return e;
    throw e;
  }
  throw new Error("accepted");
};

describe("readJsonBody", () => {
  test("parses a body within the limits", async () => {
    expect(await readJsonBody(post('{"model":"m"}'), limits, performance.now())).toEqual({ model: "m" });
  });

  test("too large → 413, not JSON → 400, each with its code", async () => {
    expect(await refusal(post(`{"x":"${"a".repeat(100)}"}`))).toMatchObject({ code: "request_too_large", status: 413 });
    expect(await refusal(post("{nope"))).toMatchObject({ code: "invalid_json", status: 400, type: "invalid_request_error" });
  });

  test("a body that has not arrived by the deadline → 408", async () => {
    const trickle = new Request("http://x/", { method: "POST", body: new ReadableStream({ start() {} }), duplex: "half" } as RequestInit);
    expect(await refusal(trickle, performance.now() - limits.requestTimeoutMs)).toMatchObject({ code: "request_timeout", status: 408 });
  });

  test("requestedModel names the model of any parsed body, or nothing", () => {
    expect(requestedModel({ model: "smart" })).toBe("smart");
    expect(requestedModel({ model: 3 })).toBe("");
    expect(requestedModel(null)).toBe("");
    expect(requestedModel([1])).toBe("");
  });
});

describe("readCallBody", () => {
  test("records the model on the call and lifts the slow-sender limit once the body is in, not before a refusal", async () => {
    const call = new Call();
    const lifted: number[] = [];
    const server = { timeout: (_req: Request, s: number) => void lifted.push(s) };
    expect(await readCallBody(post('{"model":"smart"}'), limits, call, server)).toEqual({ model: "smart" });
    expect(call.requested).toBe("smart");
    expect(lifted).toEqual([0]);
    await expect(readCallBody(post("{"), limits, new Call(), server)).rejects.toBeInstanceOf(ApiError);
    expect(lifted).toEqual([0]);
  });
});
