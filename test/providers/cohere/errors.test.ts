import { describe, expect, test } from "bun:test";
import { mapError } from "../../../src/providers/cohere/errors.ts";

const body = (message: string) => JSON.stringify({ id: "5b5c6e1e-0000-4000-8000-000000000000", message });

describe("Cohere errors in OpenAI's shape", () => {
  test("status and message are kept; type follows the status; known meanings get OpenAI's codes", () => {
    const cases: [number, string, string, string | null][] = [
      [400, "invalid request: p must be between 0.01 and 0.99", "invalid_request_error", null],
      [401, "invalid api token", "authentication_error", "invalid_api_key"],
      [402, "Please add or update your payment method at https://dashboard.cohere.com/billing", "invalid_request_error", "insufficient_quota"],
      [
        404,
        "model 'command-x' not found, make sure the correct model ID was used and that you have access to the model.",
        "invalid_request_error",
        "model_not_found",
      ],
      [
        422,
        "unknown field: parameter 'strict' is not a valid field. For proper usage, please refer to https://docs.cohere.com/reference/chat",
        "invalid_request_error",
        null,
      ],
      [429, "You are using a Trial key, which is limited to 20 API calls / minute.", "rate_limit_error", "rate_limit_exceeded"],
      [
        498,
        "blocked input: please adjust your prompt and try again, as it may be a potential violation of our Usage Guidelines",
        "invalid_request_error",
        null,
      ],
      [499, "request cancelled", "invalid_request_error", null],
      [500, "internal server error", "api_error", null],
      [503, "service unavailable", "api_error", null],
    ];
    for (const [status, message, type, code] of cases) {
      expect(mapError(status, body(message), new Headers())).toEqual({ status, error: { message, type, param: null, code }, headers: {} });
    }
  });

  test("Retry-After and rate-limit headers are kept", () => {
    const mapped = mapError(429, body("slow down"), new Headers({ "retry-after": "12", "x-ratelimit-remaining": "0", "x-debug-trace-id": "abc" }));
    expect(mapped.headers).toEqual({ "retry-after": "12", "x-ratelimit-remaining": "0" });
  });

  test("a body that is not Cohere's shape still gives a readable message", () => {
    const mapped = mapError(502, "<html>Bad Gateway</html>", new Headers());
    expect(mapped).toMatchObject({ status: 502, error: { type: "api_error", message: "cohere returned HTTP 502: <html>Bad Gateway</html>" } });
  });
});
