import { describe, expect, test } from "bun:test";
import { azureAdapter } from "../../../src/providers/azure/index.ts";
import { azureTarget } from "./helpers.ts";

const map = (status: number, body: unknown, headers: Record<string, string> = {}) =>
  azureAdapter.mapError(status, typeof body === "string" ? body : JSON.stringify(body), new Headers(headers), azureTarget());

describe("Azure errors in OpenAI's shape", () => {
  test("a filtered prompt: 400, code content_filter, param prompt, and innererror kept for the client", () => {
    const innererror = {
      code: "ResponsibleAIPolicyViolation",
      content_filter_result: { hate: { filtered: false, severity: "safe" }, jailbreak: { detected: true, filtered: true } },
    };
    const mapped = map(400, {
      error: {
        message: "The response was filtered due to the prompt triggering Azure OpenAI's content management policy.",
        type: null,
        param: "prompt",
        code: "content_filter",
        status: 400,
        innererror,
      },
    });
    expect(mapped).toEqual({
      status: 400,
      error: {
        message: "The response was filtered due to the prompt triggering Azure OpenAI's content management policy.",
        type: "invalid_request_error",
        param: "prompt",
        code: "content_filter",
        innererror,
      } as any,
      headers: {},
    });
  });

  test("Azure's codes are kept and the type comes from the status when Azure gives none", () => {
    expect(map(401, { error: { code: "401", message: "Access denied due to invalid subscription key or wrong API endpoint." } }).error).toEqual({
      message: "Access denied due to invalid subscription key or wrong API endpoint.",
      type: "authentication_error",
      param: null,
      code: "401",
    });
    expect(map(404, { error: { code: "DeploymentNotFound", message: "The API deployment for this resource does not exist." } }).error).toMatchObject({
      type: "invalid_request_error",
      code: "DeploymentNotFound",
    });
    expect(map(404, { error: { code: "404", message: "Resource not found" } }).error.message).toBe("Resource not found");
    expect(map(400, { error: { message: "bad", type: "invalid_request_error", param: "n", code: null } }).error).toEqual({
      message: "bad",
      type: "invalid_request_error",
      param: "n",
      code: null,
    });
  });

  test("429: retry-after, retry-after-ms and rate-limit headers reach the client", () => {
    const mapped = map(
      429,
      { error: { code: "429", message: "Please retry after 6 seconds." } },
      { "retry-after": "6", "retry-after-ms": "6000", "x-ratelimit-remaining-tokens": "0", "apim-request-id": "x" },
    );
    expect(mapped.status).toBe(429);
    expect(mapped.error.type).toBe("rate_limit_error");
    expect(mapped.headers).toEqual({ "retry-after": "6", "retry-after-ms": "6000", "x-ratelimit-remaining-tokens": "0" });
  });

  test("a body that is not JSON still gives a readable message", () => {
    expect(map(502, "<html>Bad Gateway</html>").error.message).toBe("azure returned HTTP 502: <html>Bad Gateway</html>");
  });
});
