// Proves the fake speaks Bedrock Runtime's real protocol: the official AWS SDK, pointed at it,
// signs requests the fake accepts, parses its answers and event streams, and raises the same
// exceptions it raises against AWS.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { BedrockRuntimeClient, ConverseCommand, ConverseStreamCommand, type ConverseStreamOutput, type Message } from "@aws-sdk/client-bedrock-runtime";
import { NodeHttpHandler } from "@smithy/node-http-handler";
import { startFakeBedrock, streamGate, throttled, type FakeBedrock, type FakeBedrockCredential } from "./bedrock-upstream.ts";

let fake: FakeBedrock;

beforeAll(async () => {
  fake = await startFakeBedrock();
});
afterAll(async () => {
  await fake?.close();
});

const MODEL = "anthropic.claude-3-5-sonnet-20240620-v1:0";

function client(credentials: FakeBedrockCredential = fake.credentials, region = fake.region) {
  return new BedrockRuntimeClient({
    region,
    endpoint: fake.url,
    credentials,
    maxAttempts: 1,
    // The SDK defaults to HTTP/2 for Bedrock; the fake (like most local servers) speaks HTTP/1.1.
    requestHandler: new NodeHttpHandler(),
  });
}

const user = (text: string): Message => ({ role: "user", content: [{ text }] });
const weatherTool = {
  toolSpec: { name: "get_weather", description: "weather for a city", inputSchema: { json: { type: "object", properties: { city: { type: "string" } } } } },
};

async function collect(stream: AsyncIterable<ConverseStreamOutput> | undefined): Promise<ConverseStreamOutput[]> {
  const out: ConverseStreamOutput[] = [];
  for await (const e of stream!) out.push(e);
  return out;
}

describe("Converse through the AWS SDK", () => {
  test("a signed request gets a text answer with usage, metrics and stop reason", async () => {
    const question = `hello ${crypto.randomUUID()}`;
    const res = await client().send(new ConverseCommand({ modelId: MODEL, messages: [user(question)], inferenceConfig: { maxTokens: 100, temperature: 0.5 } }));
    expect(res.output?.message?.role).toBe("assistant");
    expect(res.output?.message?.content?.[0].text).toBe(question);
    expect(res.stopReason).toBe("end_turn");
    expect(res.usage!.totalTokens).toBe(res.usage!.inputTokens! + res.usage!.outputTokens!);
    expect(res.metrics?.latencyMs).toBeGreaterThan(0);
    const seen = fake.requests.at(-1)!;
    expect(seen.signedBy).toBe(fake.credentials.accessKeyId);
    expect(seen.modelId).toBe(MODEL);
    expect(seen.path).toBe("/model/anthropic.claude-3-5-sonnet-20240620-v1%3A0/converse");
  });

  test("temporary credentials sign with x-amz-security-token", async () => {
    const res = await client(fake.temporaryCredentials).send(new ConverseCommand({ modelId: MODEL, messages: [user("temp")] }));
    expect(res.output?.message?.content?.[0].text).toBe("temp");
    expect(fake.requests.at(-1)!.headers["x-amz-security-token"]).toBe(fake.temporaryCredentials.sessionToken!);
  });

  test("an inference-profile ARN (with / and :) is one path segment, and its signature checks out", async () => {
    const arn = "arn:aws:bedrock:us-east-1:123456789012:inference-profile/us.anthropic.claude-3-5-sonnet-20240620-v1:0";
    await client().send(new ConverseCommand({ modelId: arn, messages: [user("arn")] }));
    const seen = fake.requests.at(-1)!;
    expect(seen.modelId).toBe(arn);
    expect(seen.signedBy).toBe(fake.credentials.accessKeyId);
  });

  test("a wrong secret key gets the real 403 InvalidSignatureException", async () => {
    const err = await client({ ...fake.credentials, secretAccessKey: "wrong" })
      .send(new ConverseCommand({ modelId: MODEL, messages: [user("x")] }))
      .catch((e) => e);
    expect(err.name).toBe("InvalidSignatureException");
    expect(err.$metadata.httpStatusCode).toBe(403);
    expect(err.message).toBe(
      "The request signature we calculated does not match the signature you provided. Check your AWS Secret Access Key and signing method. Consult the service documentation for details.",
    );
  });

  test("an unknown access key, or a missing session token, is UnrecognizedClientException", async () => {
    const unknown = await client({ accessKeyId: "AKIAUNKNOWN000000000", secretAccessKey: "x" })
      .send(new ConverseCommand({ modelId: MODEL, messages: [user("x")] }))
      .catch((e) => e);
    expect(unknown.name).toBe("UnrecognizedClientException");
    expect(unknown.$metadata.httpStatusCode).toBe(403);
    expect(unknown.message).toBe("The security token included in the request is invalid.");
    const { sessionToken: _, ...withoutToken } = fake.temporaryCredentials;
    const noToken = await client(withoutToken)
      .send(new ConverseCommand({ modelId: MODEL, messages: [user("x")] }))
      .catch((e) => e);
    expect(noToken.name).toBe("UnrecognizedClientException");
  });

  test("a request scoped to another region is refused", async () => {
    const err = await client(fake.credentials, "eu-west-1")
      .send(new ConverseCommand({ modelId: MODEL, messages: [user("x")] }))
      .catch((e) => e);
    expect(err.name).toBe("InvalidSignatureException");
    expect(err.message).toContain("valid region");
  });

  test("conversation rules are enforced like the real API", async () => {
    const c = client();
    const startsWithAssistant = await c
      .send(new ConverseCommand({ modelId: MODEL, messages: [{ role: "assistant", content: [{ text: "hi" }] }, user("x")] }))
      .catch((e) => e);
    expect(startsWithAssistant.name).toBe("ValidationException");
    expect(startsWithAssistant.$metadata.httpStatusCode).toBe(400);
    expect(startsWithAssistant.message).toBe("A conversation must start with a user message. Try again with a conversation that starts with a user message.");

    const twoUsers = await c.send(new ConverseCommand({ modelId: MODEL, messages: [user("a"), user("b")] })).catch((e) => e);
    expect(twoUsers.message).toContain("must alternate between user and assistant roles");

    const blank = await c.send(new ConverseCommand({ modelId: MODEL, messages: [user(" ")] })).catch((e) => e);
    expect(blank.message).toBe("The text field in the ContentBlock object at messages.0.content.0 is blank. Add text to the text field, and try again.");

    const badModel = await c.send(new ConverseCommand({ modelId: "not a model", messages: [user("x")] })).catch((e) => e);
    expect(badModel.message).toBe("The provided model identifier is invalid.");
  });

  test("tool use: a toolUse answer, then toolResult accepted; toolResult without toolUse or toolConfig refused", async () => {
    const c = client();
    fake.script({ toolCalls: [{ name: "get_weather", input: { city: "Paris" }, id: "tooluse_abc" }] });
    const first = await c.send(
      new ConverseCommand({ modelId: MODEL, messages: [user("weather?")], toolConfig: { tools: [weatherTool], toolChoice: { auto: {} } } }),
    );
    expect(first.stopReason).toBe("tool_use");
    const use = first.output!.message!.content![0].toolUse!;
    expect(use).toEqual({ toolUseId: "tooluse_abc", name: "get_weather", input: { city: "Paris" } });

    const history: Message[] = [
      user("weather?"),
      first.output!.message!,
      { role: "user", content: [{ toolResult: { toolUseId: "tooluse_abc", content: [{ text: "sunny" }] } }] },
    ];
    const second = await c.send(new ConverseCommand({ modelId: MODEL, messages: history, toolConfig: { tools: [weatherTool] } }));
    expect(second.output!.message!.content![0].text).toBe("Done: sunny");

    const noConfig = await c.send(new ConverseCommand({ modelId: MODEL, messages: history })).catch((e) => e);
    expect(noConfig.message).toBe("The toolConfig field must be defined when using toolUse and toolResult content blocks.");

    const orphan = await c
      .send(
        new ConverseCommand({
          modelId: MODEL,
          messages: [{ role: "user", content: [{ toolResult: { toolUseId: "tooluse_x", content: [{ text: "r" }] } }] }],
          toolConfig: { tools: [weatherTool] },
        }),
      )
      .catch((e) => e);
    expect(orphan.name).toBe("ValidationException");
    expect(orphan.message).toBe("The number of toolResult blocks at messages.0.content exceeds the number of toolUse blocks of previous turn.");
  });

  test("429 ThrottlingException", async () => {
    fake.script(throttled());
    const err = await client()
      .send(new ConverseCommand({ modelId: MODEL, messages: [user("x")] }))
      .catch((e) => e);
    expect(err.name).toBe("ThrottlingException");
    expect(err.$metadata.httpStatusCode).toBe(429);
    expect(err.message).toBe("Too many requests, please wait before trying again.");
  });
});

describe("ConverseStream through the AWS SDK", () => {
  test("events arrive in the documented order and rebuild the answer", async () => {
    const question = "one two three four";
    const res = await client().send(new ConverseStreamCommand({ modelId: MODEL, messages: [user(question)] }));
    const events = await collect(res.stream);
    const kinds = events.map((e) => Object.keys(e).find((k) => (e as any)[k] !== undefined));
    expect(kinds[0]).toBe("messageStart");
    expect(kinds.slice(-2)).toEqual(["messageStop", "metadata"]);
    expect(kinds.filter((k) => k === "contentBlockDelta").length).toBe(4);
    const text = events.map((e) => e.contentBlockDelta?.delta?.text ?? "").join("");
    expect(text).toBe(question);
    expect(events.at(-2)!.messageStop!.stopReason).toBe("end_turn");
    const usage = events.at(-1)!.metadata!.usage!;
    expect(usage.totalTokens).toBe(usage.inputTokens! + usage.outputTokens!);
  });

  test("frames split across reads and glued together still decode", async () => {
    fake.script({ content: "split frames decode fine", splitFrames: true });
    const res = await client().send(new ConverseStreamCommand({ modelId: MODEL, messages: [user("x")] }));
    const events = await collect(res.stream);
    expect(events.map((e) => e.contentBlockDelta?.delta?.text ?? "").join("")).toBe("split frames decode fine");
  });

  test("tool use streams contentBlockStart with id and name, then input pieces", async () => {
    fake.script({
      toolCalls: [
        { name: "get_weather", input: { city: "Paris" }, id: "tooluse_1" },
        { name: "get_weather", input: { city: "Rome" }, id: "tooluse_2" },
      ],
    });
    const res = await client().send(new ConverseStreamCommand({ modelId: MODEL, messages: [user("two cities")], toolConfig: { tools: [weatherTool] } }));
    const events = await collect(res.stream);
    const starts = events.filter((e) => e.contentBlockStart).map((e) => [e.contentBlockStart!.contentBlockIndex, e.contentBlockStart!.start!.toolUse]);
    expect(starts).toEqual([
      [0, { toolUseId: "tooluse_1", name: "get_weather" }],
      [1, { toolUseId: "tooluse_2", name: "get_weather" }],
    ]);
    const input = (i: number) =>
      events
        .filter((e) => e.contentBlockDelta?.contentBlockIndex === i)
        .map((e) => e.contentBlockDelta!.delta!.toolUse!.input)
        .join("");
    expect(JSON.parse(input(0))).toEqual({ city: "Paris" });
    expect(JSON.parse(input(1))).toEqual({ city: "Rome" });
    expect(events.find((e) => e.messageStop)!.messageStop!.stopReason).toBe("tool_use");
  });

  test("a mid-stream exception frame raises the modeled exception in the SDK", async () => {
    fake.script({
      content: "a b c d e",
      streamError: {
        afterFrames: 3,
        exceptionType: "modelStreamErrorException",
        message: "Model stream failed",
        originalStatusCode: 500,
        originalMessage: "boom",
      },
    });
    const res = await client().send(new ConverseStreamCommand({ modelId: MODEL, messages: [user("x")] }));
    const seen: ConverseStreamOutput[] = [];
    const err = await (async () => {
      for await (const e of res.stream!) seen.push(e);
    })().catch((e) => e);
    expect(seen.length).toBe(3);
    expect(err.name).toBe("ModelStreamErrorException");
    expect(err.message).toBe("Model stream failed");
    expect(err.originalStatusCode).toBe(500);
  });

  test("thinking: signed reasoning streams as reasoningContent text then signature", async () => {
    const res = await client().send(
      new ConverseStreamCommand({
        modelId: "us.anthropic.claude-sonnet-4-20250514-v1:0",
        messages: [user("think")],
        inferenceConfig: { maxTokens: 4096 },
        additionalModelRequestFields: { thinking: { type: "enabled", budget_tokens: 1024 } },
      }),
    );
    const events = await collect(res.stream);
    const reasoning = events.filter((e) => e.contentBlockDelta?.delta?.reasoningContent).map((e) => e.contentBlockDelta!.delta!.reasoningContent!);
    expect(reasoning.map((r) => r.text ?? "").join("")).toBe("Thinking about: think");
    expect(reasoning.at(-1)!.signature).toMatch(/^[A-Za-z0-9+/]+=*$/);
  });

  test("a gate holds the stream until released", async () => {
    const gate = streamGate({ initial: 1 });
    fake.script({ content: "held back words", gate });
    const res = await client().send(new ConverseStreamCommand({ modelId: MODEL, messages: [user("x")] }));
    const it = res.stream![Symbol.asyncIterator]();
    expect((await it.next()).value.messageStart).toBeDefined();
    await gate.waiting();
    expect(gate.sent).toBe(1);
    gate.releaseAll();
    const rest: ConverseStreamOutput[] = [];
    for (let r = await it.next(); !r.done; r = await it.next()) rest.push(r.value);
    expect(rest.map((e) => e.contentBlockDelta?.delta?.text ?? "").join("")).toBe("held back words");
  });
});
