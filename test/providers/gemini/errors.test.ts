import { describe, expect, test } from "bun:test";
import { geminiAdapter } from "../../../src/providers/gemini/index.ts";
import { fixtureText, target } from "./helpers.ts";

const map = (status: number, body: unknown, headers: Record<string, string> = {}) =>
  geminiAdapter.mapError(status, typeof body === "string" ? body : JSON.stringify(body), new Headers(headers), target());
const google = (code: number, status: string, message = `${status} happened`, details?: unknown[]) => ({
  error: { code, message, status, ...(details ? { details } : {}) },
});

describe("Google error bodies → OpenAI errors", () => {
  test("the recorded 429: RetryInfo's 34.4s becomes Retry-After 35 (and retry-after-ms 34400)", () => {
    const m = map(429, fixtureText("google-429-retry-info.json"));
    expect(m).toEqual({
      status: 429,
      error: { message: "You exceeded your current quota, please check your plan.", type: "rate_limit_error", param: null, code: "resource_exhausted" },
      headers: { "retry-after": "35", "retry-after-ms": "34400" },
    });
  });

  test("a Retry-After the response already has is kept as sent", () => {
    const m = map(429, fixtureText("google-429-retry-info.json"), { "retry-after": "3" });
    expect(m.headers).toEqual({ "retry-after": "3" });
  });

  test.each([
    ["INVALID_ARGUMENT", 400, 400, "invalid_request_error"],
    ["FAILED_PRECONDITION", 400, 400, "invalid_request_error"],
    ["PERMISSION_DENIED", 403, 403, "permission_error"],
    ["UNAUTHENTICATED", 401, 401, "authentication_error"],
    ["NOT_FOUND", 404, 404, "invalid_request_error"],
    ["RESOURCE_EXHAUSTED", 429, 429, "rate_limit_error"],
    ["UNAVAILABLE", 503, 503, "api_error"],
    ["INTERNAL", 500, 500, "api_error"],
    ["DEADLINE_EXCEEDED", 504, 504, "api_error"],
    // The status name decides, even when a proxy changed the HTTP status.
    ["UNAVAILABLE", 500, 503, "api_error"],
  ])("%s (HTTP %d) → %d %s, message kept", (status, http, expected, type) => {
    const m = map(http, google(http, status, "the words Google used"));
    expect(m.status).toBe(expected);
    expect(m.error).toEqual({ message: "the words Google used", type, param: null, code: status.toLowerCase() });
  });

  test("a wrong API key (400 INVALID_ARGUMENT on Gemini) is an authentication error for OpenAI clients", () => {
    const m = map(
      400,
      google(400, "INVALID_ARGUMENT", "API key not valid. Please pass a valid API key.", [
        {
          "@type": "type.googleapis.com/google.rpc.ErrorInfo",
          reason: "API_KEY_INVALID",
          domain: "googleapis.com",
          metadata: { service: "generativelanguage.googleapis.com" },
        },
      ]),
    );
    expect(m).toMatchObject({
      status: 401,
      error: { type: "authentication_error", code: "invalid_api_key", message: "API key not valid. Please pass a valid API key." },
    });
  });

  test("the array form (streamGenerateContent without alt=sse) and non-JSON pages", () => {
    expect(map(400, [google(400, "INVALID_ARGUMENT", "bad")]).error.message).toBe("bad");
    const html = map(404, "<!DOCTYPE html><title>Error 404 (Not Found)!!1</title>");
    expect(html.status).toBe(404);
    expect(html.error.message).toStartWith("gemini returned HTTP 404: <!DOCTYPE html>");
  });
});
