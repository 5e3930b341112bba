import { describe, expect, test } from "bun:test";
import { anthropicAdapter } from "../../../src/providers/anthropic/index.ts";
import { target } from "./helpers.ts";

const body = (type: string, message: string) => JSON.stringify({ type: "error", error: { type, message }, request_id: "req_011CabcDEF" });
const map = (status: number, text: string, headers: Record<string, string> = {}) => anthropicAdapter.mapError(status, text, new Headers(headers), target());

describe("Anthropic errors → OpenAI's shape", () => {
  test("each documented status keeps its status, Anthropic's type and message", () => {
    const cases: Array<[number, string]> = [
      [400, "invalid_request_error"],
      [401, "authentication_error"],
      [402, "billing_error"],
      [403, "permission_error"],
      [404, "not_found_error"],
      [413, "request_too_large"],
      [429, "rate_limit_error"],
      [500, "api_error"],
      [504, "timeout_error"],
      [529, "overloaded_error"],
    ];
    for (const [status, type] of cases) {
      const mapped = map(status, body(type, `message for ${status}`));
      expect([status, mapped.status, mapped.error]).toEqual([status, status, { message: `message for ${status}`, type, param: null, code: null }]);
    }
  });

  test("a 429 keeps retry-after, Anthropic's rate-limit headers and should-retry; the request id becomes x-request-id", () => {
    const mapped = map(429, body("rate_limit_error", "slow down"), {
      "retry-after": "7",
      "anthropic-ratelimit-requests-remaining": "0",
      "anthropic-ratelimit-requests-reset": "2026-11-27T10:00:00Z",
      "x-should-retry": "true",
      "request-id": "req_header",
      "content-type": "application/json",
      "set-cookie": "nope",
    });
    expect(mapped.headers).toEqual({
      "retry-after": "7",
      "anthropic-ratelimit-requests-remaining": "0",
      "anthropic-ratelimit-requests-reset": "2026-11-27T10:00:00Z",
      "x-should-retry": "true",
      "x-request-id": "req_011CabcDEF",
    });
  });

  test("an error_code in the details becomes the code", () => {
    const text = JSON.stringify({
      type: "error",
      error: { type: "invalid_request_error", message: "limit", details: { error_code: "contract_spend_limit_reached" } },
    });
    expect(map(400, text).error.code).toBe("contract_spend_limit_reached");
  });

  test("a body that is not Anthropic's (a proxy's HTML page) still becomes a readable error", () => {
    const mapped = map(502, "<html>Bad Gateway</html>", { "request-id": "req_from_header" });
    expect(mapped.status).toBe(502);
    expect(mapped.error.message).toContain("anthropic returned HTTP 502");
    expect(mapped.error.message).toContain("Bad Gateway");
    expect(mapped.headers["x-request-id"]).toBe("req_from_header");
  });
});
