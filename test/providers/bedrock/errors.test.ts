import { describe, expect, test } from "bun:test";
import { bedrockAdapter } from "../../../src/providers/bedrock/index.ts";
import { exceptionName } from "../../../src/providers/bedrock/errors.ts";
import { bedrockTarget } from "./helpers.ts";

const target = bedrockTarget();
const map = (status: number, type: string | null, body: unknown, extra: Record<string, string> = {}) => {
  const headers = new Headers({ "content-type": "application/json", ...extra });
  if (type) headers.set("x-amzn-errortype", `${type}:http://internal.amazon.com/coral/com.amazon.bedrock/`);
  return bedrockAdapter.mapError(status, typeof body === "string" ? body : JSON.stringify(body), headers, target);
};

describe("HTTP errors", () => {
  test.each([
    [400, "ValidationException", 400, "invalid_request_error"],
    [403, "AccessDeniedException", 403, "permission_error"],
    [403, "UnrecognizedClientException", 401, "authentication_error"],
    [403, "InvalidSignatureException", 401, "authentication_error"],
    [403, "ExpiredTokenException", 401, "authentication_error"],
    [404, "ResourceNotFoundException", 404, "invalid_request_error"],
    [408, "ModelTimeoutException", 504, "api_error"],
    [424, "ModelErrorException", 502, "api_error"],
    [429, "ThrottlingException", 429, "rate_limit_error"],
    [429, "ModelNotReadyException", 503, "api_error"],
    [400, "ServiceQuotaExceededException", 429, "rate_limit_error"],
    [500, "InternalServerException", 500, "api_error"],
    [503, "ServiceUnavailableException", 503, "api_error"],
  ])("%d %s → %d %s, message and exception name kept", (status, type, expected, errorType) => {
    const m = map(status, type, { message: `the ${type} message` });
    expect(m.status).toBe(expected);
    expect(m.error).toEqual({ message: `the ${type} message`, type: errorType, param: null, code: type });
  });

  test("Retry-After is kept", () => {
    const m = map(429, "ThrottlingException", { message: "Too many requests, please wait before trying again." }, { "retry-after": "12" });
    expect(m.headers).toEqual({ "retry-after": "12" });
  });

  test("without the header, the body's __type names the exception", () => {
    const m = map(403, null, {
      __type: "com.amazon.coral.service#UnrecognizedClientException",
      message: "The security token included in the request is invalid.",
    });
    expect(m.status).toBe(401);
    expect(m.error.code).toBe("UnrecognizedClientException");
  });

  test("an unknown exception keeps the upstream status", () => {
    const m = map(418, "TeapotException", { message: "short and stout" });
    expect(m.status).toBe(418);
    expect(m.error.code).toBe("TeapotException");
  });

  test("a non-JSON body (a proxy's page) still becomes a readable error", () => {
    const m = map(502, null, "<html>Bad Gateway</html>");
    expect(m.status).toBe(502);
    expect(m.error.message).toContain("<html>Bad Gateway</html>");
  });

  test("exception names in their three spellings", () => {
    expect(exceptionName("ThrottlingException:http://internal.amazon.com/coral/com.amazon.bedrock/")).toBe("ThrottlingException");
    expect(exceptionName("com.amazon.coral.service#UnrecognizedClientException")).toBe("UnrecognizedClientException");
    expect(exceptionName("ValidationException")).toBe("ValidationException");
    expect(exceptionName("")).toBeNull();
  });
});
