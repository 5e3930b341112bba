import { describe, expect, test } from "bun:test";
import { Sha256 } from "@aws-crypto/sha256-js";
import { SignatureV4 } from "@smithy/signature-v4";
import { converseUrl, encodeModelId } from "../../../src/providers/bedrock/endpoint.ts";
import { bedrockAdapter } from "../../../src/providers/bedrock/index.ts";
import { bedrockTarget, TEST_AWS_ENV } from "./helpers.ts";

const AUTH = /^AWS4-HMAC-SHA256 Credential=([^/]+)\/(\d{8})\/([^/]+)\/([^/]+)\/aws4_request, SignedHeaders=([^,]+), Signature=([0-9a-f]{64})$/;
const AMZ_DATE = /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z$/;

/** Recomputes the signature with the AWS SDK's own signer, independent of aws4fetch. */
async function expectValidSignature(url: string, init: RequestInit, secret: string, sessionToken?: string) {
  const headers = new Headers(init.headers);
  const m = AUTH.exec(headers.get("authorization")!)!;
  expect(m).not.toBeNull();
  const [, accessKeyId, , region, service, signedList, signature] = m;
  const signed = signedList.split(";");
  const u = new URL(url);
  const toSign: Record<string, string> = {};
  for (const name of signed) toSign[name] = name === "host" ? u.host : headers.get(name)!;
  const d = AMZ_DATE.exec(headers.get("x-amz-date")!)!;
  const signer = new SignatureV4({
    credentials: { accessKeyId, secretAccessKey: secret, sessionToken },
    region,
    service,
    sha256: Sha256,
    applyChecksum: false,
  });
  const out = await signer.sign(
    { method: "POST", protocol: u.protocol, hostname: u.hostname, path: u.pathname, query: {}, headers: toSign, body: init.body } as any,
    { signingDate: new Date(Date.UTC(+d[1], +d[2] - 1, +d[3], +d[4], +d[5], +d[6])), signableHeaders: new Set(signed) },
  );
  expect(AUTH.exec((out.headers as any).authorization)![6]).toBe(signature);
  return { service, region, signed };
}

describe("endpoint", () => {
  test("the regional default, the China partition, and a custom endpoint", () => {
    expect(converseUrl("", "eu-west-3", "amazon.nova-pro-v1:0", false)).toBe(
      "https://bedrock-runtime.eu-west-3.amazonaws.com/model/amazon.nova-pro-v1%3A0/converse",
    );
    expect(converseUrl("", "cn-north-1", "m.x", true)).toBe("https://bedrock-runtime.cn-north-1.amazonaws.com.cn/model/m.x/converse-stream");
    expect(converseUrl("http://127.0.0.1:9", "us-east-1", "m.x", true)).toBe("http://127.0.0.1:9/model/m.x/converse-stream");
  });

  test("a model id is one path segment: ':' and '/' of ARNs are percent-encoded like the AWS SDK does", () => {
    expect(encodeModelId("arn:aws:bedrock:us-east-1:123456789012:inference-profile/us.anthropic.claude-3-5-sonnet-20240620-v1:0")).toBe(
      "arn%3Aaws%3Abedrock%3Aus-east-1%3A123456789012%3Ainference-profile%2Fus.anthropic.claude-3-5-sonnet-20240620-v1%3A0",
    );
    expect(encodeModelId("weird!(name)*'")).toBe("weird%21%28name%29%2A%27");
  });
});

describe("SigV4 through aws4fetch", () => {
  test("the signature checks out with the AWS SDK's signer; service bedrock, the target's region", async () => {
    const target = bedrockTarget({ model: "arn:aws:bedrock:us-east-1:123456789012:inference-profile/us.anthropic.claude-3-5-sonnet-20240620-v1:0" });
    const { url, init } = await bedrockAdapter.buildRequest({ model: "x", messages: [{ role: "user", content: "hi" }] }, target, false);
    expect(url).toBe(`https://bedrock-runtime.us-east-1.amazonaws.com/model/${encodeModelId(target.model)}/converse`);
    const { service, region, signed } = await expectValidSignature(url, init, target.aws!.secretAccessKey);
    expect(service).toBe("bedrock");
    expect(region).toBe("us-east-1");
    expect(signed).toEqual(["host", "x-amz-date"]);
    expect(JSON.parse(init.body as string)).toEqual({ messages: [{ role: "user", content: [{ text: "hi" }] }] });
  });

  test("temporary credentials add a signed x-amz-security-token; config headers are signed too", async () => {
    const target = bedrockTarget({
      env: { ...TEST_AWS_ENV, AWS_SESSION_TOKEN: "session-token-value", AWS_REGION: "eu-central-1" },
      headers: { "x-team": "a" },
      baseUrl: "http://127.0.0.1:1234",
    });
    const { url, init } = await bedrockAdapter.buildRequest({ model: "x", messages: [{ role: "user", content: "hi" }], stream: true }, target, true);
    expect(url).toBe("http://127.0.0.1:1234/model/anthropic.claude-3-5-sonnet-20240620-v1%3A0/converse-stream");
    const headers = new Headers(init.headers);
    expect(headers.get("x-amz-security-token")).toBe("session-token-value");
    expect(headers.get("content-type")).toBe("application/json");
    const { region, signed } = await expectValidSignature(url, init, target.aws!.secretAccessKey, "session-token-value");
    expect(region).toBe("eu-central-1");
    expect(signed).toEqual(["host", "x-amz-date", "x-amz-security-token", "x-team"]);
  });

  test("a wrong secret does not verify (the check above can fail)", async () => {
    const target = bedrockTarget();
    const { url, init } = await bedrockAdapter.buildRequest({ model: "x", messages: [{ role: "user", content: "hi" }] }, target, false);
    const failed = await expectValidSignature(url, init, "not-the-secret").then(
      () => false,
      () => true,
    );
    expect(failed).toBe(true);
  });
});
