// The fake Gemini API driven by Google's own SDK (@google/genai): if the SDK can talk to it,
// parse what it sends and raise the right errors, the fake speaks the real protocol.

import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { ApiError, FunctionCallingConfigMode, GoogleGenAI, Type, type Tool } from "@google/genai";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { googleError, OVERLOADED, rateLimited, startFakeGemini, streamGate, type FakeGemini } from "./gemini-upstream.ts";

let fake: FakeGemini;
let ai: GoogleGenAI;

beforeAll(async () => {
  fake = await startFakeGemini();
  ai = new GoogleGenAI({ apiKey: fake.apiKey, httpOptions: { baseUrl: fake.url, apiVersion: "v1beta" } });
});
afterAll(async () => {
  await fake?.close();
});

const last = () => fake.requests.at(-1)!;
const post = (path: string, body: unknown, headers: Record<string, string> = { "x-goog-api-key": fake.apiKey }) =>
  fetch(`${fake.url}${path}`, {
    method: "POST",
    headers: { "content-type": "application/json", ...headers },
    body: typeof body === "string" ? body : JSON.stringify(body),
  });
const generate = (model: string, body: unknown, headers?: Record<string, string>) => post(`/v1beta/models/${model}:generateContent`, body, headers);
const weatherTool: Tool = {
  functionDeclarations: [
    { name: "get_weather", parameters: { type: Type.OBJECT, properties: { city: { type: Type.STRING } }, required: ["city"] } },
    { name: "get_time", parameters: { type: Type.OBJECT, properties: { tz: { type: Type.STRING } } } },
  ],
};

describe("answers the SDK understands", () => {
  test("generateContent: the key arrives in x-goog-api-key, the last user text is echoed, usage is Gemini's", async () => {
    const res = await ai.models.generateContent({ model: "gemini-2.5-flash", contents: "hello there, fake" });
    expect(res.text).toBe("hello there, fake");
    expect(res.modelVersion).toBe("gemini-2.5-flash");
    expect(res.candidates![0].finishReason).toBe("STOP" as any);
    const u = res.usageMetadata!;
    expect(u.totalTokenCount).toBe(u.promptTokenCount! + u.candidatesTokenCount!);
    expect(last().path).toBe("/v1beta/models/gemini-2.5-flash:generateContent");
    expect(last().headers["x-goog-api-key"]).toBe(fake.apiKey);
  });

  test("streamGenerateContent?alt=sse: data lines framed by \\r\\n\\r\\n, text in pieces, usage on every event", async () => {
    const res = await post("/v1beta/models/gemini-2.5-flash:streamGenerateContent?alt=sse", {
      contents: [{ role: "user", parts: [{ text: "one two three four five six" }] }],
    });
    expect(res.headers.get("content-type")).toBe("text/event-stream");
    const raw = await res.text();
    const frames = raw.split("\r\n\r\n").filter(Boolean);
    expect(raw.endsWith("\r\n\r\n")).toBe(true);
    expect(frames.length).toBe(3);
    const events = frames.map((f) => {
      expect(f.startsWith("data: ")).toBe(true);
      return JSON.parse(f.slice(6));
    });
    expect(events.map((e) => e.candidates[0].content.parts[0].text).join("")).toBe("one two three four five six");
    for (const e of events) expect(e.usageMetadata.promptTokenCount).toBeGreaterThan(0);
    expect(events.map((e) => e.candidates[0].finishReason ?? null)).toEqual([null, null, "STOP"]);

    let text = "";
    for await (const chunk of await ai.models.generateContentStream({ model: "gemini-2.5-flash", contents: "alpha beta gamma delta" }))
      text += chunk.text ?? "";
    expect(text).toBe("alpha beta gamma delta");
    expect(last().path).toBe("/v1beta/models/gemini-2.5-flash:streamGenerateContent?alt=sse");
  });

  test("Gemini 3: a text answer ends with a thought signature, in its own empty part when streamed", async () => {
    const chunks = [];
    for await (const c of await ai.models.generateContentStream({ model: "gemini-3-pro-preview", contents: "sig please" })) chunks.push(c);
    const end = chunks.at(-1)!.candidates![0];
    expect(end.content!.parts![0]).toMatchObject({ text: "" });
    expect(end.content!.parts![0].thoughtSignature).toMatch(/^[A-Za-z0-9+/]+=*$/);
    expect(end.finishReason).toBe("STOP" as any);
  });

  test("thoughts come back as thought parts only when includeThoughts is set; they are counted either way", async () => {
    fake.script({ text: "42", thoughts: "Let me think about it.", times: 2 });
    const withThoughts = await ai.models.generateContent({
      model: "gemini-2.5-flash",
      contents: "q",
      config: { thinkingConfig: { includeThoughts: true, thinkingBudget: 1024 } },
    });
    expect(withThoughts.candidates![0].content!.parts).toEqual([{ text: "Let me think about it.", thought: true }, { text: "42" }]);
    const without = await ai.models.generateContent({ model: "gemini-2.5-flash", contents: "q" });
    expect(without.candidates![0].content!.parts).toEqual([{ text: "42" }]);
    expect(without.usageMetadata!.thoughtsTokenCount).toBe(withThoughts.usageMetadata!.thoughtsTokenCount!);
    expect(without.usageMetadata!.thoughtsTokenCount).toBeGreaterThan(0);
  });

  test("finishReason SAFETY: no content, the candidate says why", async () => {
    fake.script({ finishReason: "SAFETY" });
    const res = await ai.models.generateContent({ model: "gemini-2.5-flash", contents: "bad" });
    expect(res.candidates![0].content).toBeUndefined();
    expect(res.candidates![0].finishReason).toBe("SAFETY" as any);
    expect(res.candidates![0].safetyRatings!.length).toBeGreaterThan(0);
  });

  test("a blocked prompt: promptFeedback.blockReason and no candidates", async () => {
    fake.script({ promptBlocked: "PROHIBITED_CONTENT" });
    const res = await ai.models.generateContent({ model: "gemini-2.5-flash", contents: "worse" });
    expect(res.candidates).toBeUndefined();
    expect(res.promptFeedback!.blockReason).toBe("PROHIBITED_CONTENT" as any);
  });

  test("candidateCount: one candidate per index", async () => {
    const res = await ai.models.generateContent({ model: "gemini-2.5-flash", contents: "twice", config: { candidateCount: 2 } });
    expect(res.candidates!.map((c) => [c.index, c.content!.parts![0].text])).toEqual([
      [0, "twice"],
      [1, "twice (candidate 1)"],
    ]);
  });

  test("a recorded stream replays event for event", async () => {
    const lines = readFileSync(join(import.meta.dir, "../providers/gemini/fixtures/google-reasoning-gemini3.chunks.txt"), "utf8")
      .trim()
      .split("\n");
    fake.script({ replay: lines.map((l) => JSON.parse(l)) });
    let text = "";
    for await (const c of await ai.models.generateContentStream({ model: "gemini-3-pro-preview", contents: "strawberry" })) text += c.text ?? "";
    expect(text).toBe('There are **3** "r"s in strawberry.\n\nSt**r**awbe**rr**y');
  });
});

describe("function calling and thought signatures", () => {
  test("two parallel calls, the signature on the first only; the SDK's chat sends it back and the fake accepts", async () => {
    fake.script({
      functionCalls: [
        { name: "get_weather", args: { city: "Paris" }, thoughtSignature: "c2lnbmF0dXJlLW9uZQ==" },
        { name: "get_time", args: { tz: "Europe/Paris" } },
      ],
    });
    const chat = ai.chats.create({ model: "gemini-3-pro-preview", config: { tools: [weatherTool] } });
    const first = await chat.sendMessage({ message: "weather and time in Paris?" });
    const parts = first.candidates![0].content!.parts!;
    expect(parts.map((p) => p.functionCall)).toEqual([
      { name: "get_weather", args: { city: "Paris" } },
      { name: "get_time", args: { tz: "Europe/Paris" } },
    ]);
    expect(parts[0].thoughtSignature).toBe("c2lnbmF0dXJlLW9uZQ==");
    expect(parts[1].thoughtSignature).toBeUndefined();

    const second = await chat.sendMessage({
      message: [{ functionResponse: { name: "get_weather", response: { temp: 21 } } }, { functionResponse: { name: "get_time", response: { time: "12:00" } } }],
    });
    expect(second.text).toBe('Done: [{"temp":21},{"time":"12:00"}]');
    const sent = last().body.contents;
    expect(sent.map((c: any) => c.role)).toEqual(["user", "model", "user"]);
    expect(sent[1].parts[0].thoughtSignature).toBe("c2lnbmF0dXJlLW9uZQ==");
  });

  test("Gemini 3 refuses a function call turn without its signature, as documented", async () => {
    const res = await generate("gemini-3-pro-preview", {
      contents: [
        { role: "user", parts: [{ text: "weather?" }] },
        { role: "model", parts: [{ functionCall: { name: "get_weather", args: { city: "Paris" } } }] },
        { role: "user", parts: [{ functionResponse: { name: "get_weather", response: { temp: 21 } } }] },
      ],
    });
    expect(res.status).toBe(400);
    const { error } = (await res.json()) as any;
    expect(error.status).toBe("INVALID_ARGUMENT");
    expect(error.message).toStartWith("Function call is missing a thought_signature in functionCall parts.");
    expect(error.message).toContain("default_api:get_weather");
    // Gemini 2.5 does not enforce it.
    const older = await generate("gemini-2.5-flash", {
      contents: [
        { role: "user", parts: [{ text: "weather?" }] },
        { role: "model", parts: [{ functionCall: { name: "get_weather", args: { city: "Paris" } } }] },
        { role: "user", parts: [{ functionResponse: { name: "get_weather", response: { temp: 21 } } }] },
      ],
    });
    expect(older.status).toBe(200);
  });

  test("every call of a turn needs its response in the next turn", async () => {
    const res = await generate("gemini-2.5-flash", {
      contents: [
        { role: "user", parts: [{ text: "both?" }] },
        { role: "model", parts: [{ functionCall: { name: "a", args: {} } }, { functionCall: { name: "b", args: {} } }] },
        { role: "user", parts: [{ functionResponse: { name: "a", response: {} } }] },
      ],
    });
    expect(res.status).toBe(400);
    expect(((await res.json()) as any).error.message).toBe(
      "Please ensure that the number of function response parts is equal to the number of function call parts of the function call turn.",
    );
  });

  test("functionCallingConfig ANY with allowed names is accepted", async () => {
    fake.script({ functionCalls: [{ name: "get_weather", args: { city: "Oslo" } }] });
    const res = await ai.models.generateContent({
      model: "gemini-2.5-flash",
      contents: "weather",
      config: { tools: [weatherTool], toolConfig: { functionCallingConfig: { mode: FunctionCallingConfigMode.ANY, allowedFunctionNames: ["get_weather"] } } },
    });
    expect(res.functionCalls).toEqual([{ name: "get_weather", args: { city: "Oslo" } }]);
    expect(last().body.toolConfig.functionCallingConfig).toEqual({ mode: "ANY", allowedFunctionNames: ["get_weather"] });
  });

  test("streamed arguments (Vertex's partialArgs) come as the recorded fixture shows them", async () => {
    fake.script({ functionCalls: [{ name: "getWeather", args: { location: "Boston" } }], streamArguments: true });
    const res = await post("/v1beta/models/gemini-2.5-flash:streamGenerateContent?alt=sse", { contents: [{ role: "user", parts: [{ text: "weather" }] }] });
    const events = (await res.text())
      .split("\r\n\r\n")
      .filter(Boolean)
      .map((f) => JSON.parse(f.slice(6)));
    expect(events.map((e) => e.candidates[0].content.parts[0].functionCall)).toEqual([
      { name: "getWeather", willContinue: true },
      { partialArgs: [{ jsonPath: "$.location", stringValue: "Bos", willContinue: true }], willContinue: true },
      { partialArgs: [{ jsonPath: "$.location", stringValue: "ton" }], willContinue: true },
      {},
      undefined,
    ]);
    expect(events.at(-1).candidates[0].finishReason).toBe("STOP");
  });
});

describe("requests the real API refuses", () => {
  const hi = { contents: [{ role: "user", parts: [{ text: "hi" }] }] };

  test("no key: 403 PERMISSION_DENIED; a Bearer token: 401; a wrong key: 400 API_KEY_INVALID; ?key= works", async () => {
    const none = await generate("gemini-2.5-flash", hi, {});
    expect(none.status).toBe(403);
    expect(((await none.json()) as any).error).toEqual({
      code: 403,
      message:
        "Method doesn't allow unregistered callers (callers without established identity). Please use API Key or other form of API consumer identity to call this API.",
      status: "PERMISSION_DENIED",
    });
    const bearer = await generate("gemini-2.5-flash", hi, { authorization: `Bearer ${fake.apiKey}` });
    expect(bearer.status).toBe(401);
    expect(((await bearer.json()) as any).error.status).toBe("UNAUTHENTICATED");

    const wrong = new GoogleGenAI({ apiKey: "AIzaWrong", httpOptions: { baseUrl: fake.url, apiVersion: "v1beta" } });
    const error = await wrong.models.generateContent({ model: "gemini-2.5-flash", contents: "x" }).catch((e) => e);
    expect(error).toBeInstanceOf(ApiError);
    expect(error.status).toBe(400);
    expect(error.message).toContain("API_KEY_INVALID");
    expect(error.message).toContain("API key not valid. Please pass a valid API key.");

    const viaQuery = await post(`/v1beta/models/gemini-2.5-flash:generateContent?key=${fake.apiKey}`, hi, {});
    expect(viaQuery.status).toBe(200);
  });

  test("an unknown model is 404 NOT_FOUND; an unknown URL is Google's HTML 404", async () => {
    const error = await ai.models.generateContent({ model: "gemini-nope", contents: "x" }).catch((e) => e);
    expect(error).toBeInstanceOf(ApiError);
    expect(error.status).toBe(404);
    expect(error.message).toContain("models/gemini-nope is not found for API version v1beta, or is not supported for generateContent.");
    const page = await post("/v1beta/models/gemini-2.5-flash:chat", hi);
    expect(page.status).toBe(404);
    expect(page.headers.get("content-type")).toStartWith("text/html");
  });

  test("roles other than user and model", async () => {
    const res = await generate("gemini-2.5-flash", { contents: [{ role: "assistant", parts: [{ text: "x" }] }] });
    expect(res.status).toBe(400);
    expect(await res.json()).toEqual({ error: { code: 400, message: "Please use a valid role: user, model.", status: "INVALID_ARGUMENT" } });
  });

  test("empty contents, empty parts, a part without data", async () => {
    const empty = await generate("gemini-2.5-flash", { contents: [] });
    expect(((await empty.json()) as any).error.message).toBe("* GenerateContentRequest.contents: contents is not specified\n");
    const noParts = await generate("gemini-2.5-flash", { contents: [{ role: "user", parts: [] }] });
    expect(((await noParts.json()) as any).error.message).toBe("* GenerateContentRequest.contents[0].parts: contents.parts must not be empty.\n");
    const noData = await generate("gemini-2.5-flash", { contents: [{ role: "user", parts: [{ thought: true }] }] });
    expect(((await noData.json()) as any).error.message).toBe(
      "* GenerateContentRequest.contents[0].parts[0].data: required oneof field 'data' must have one initialized field\n",
    );
  });

  test("JSON Schema keywords outside Gemini's Schema (additionalProperties, $schema) are unknown fields", async () => {
    const res = await generate("gemini-2.5-flash", {
      ...hi,
      tools: [
        {
          functionDeclarations: [
            {
              name: "f",
              parameters: {
                $schema: "https://json-schema.org/draft/2020-12/schema",
                type: "object",
                properties: { tags: { type: "array", items: { type: "object", properties: { a: { type: "string" } }, additionalProperties: false } } },
                additionalProperties: false,
              },
            },
          ],
        },
      ],
    });
    expect(res.status).toBe(400);
    const { error } = (await res.json()) as any;
    expect(error.status).toBe("INVALID_ARGUMENT");
    expect(error.message.split("\n")).toEqual([
      `Invalid JSON payload received. Unknown name "$schema" at 'tools[0].function_declarations[0].parameters': Cannot find field.`,
      `Invalid JSON payload received. Unknown name "additionalProperties" at 'tools[0].function_declarations[0].parameters.properties[0].value.items': Cannot find field.`,
      `Invalid JSON payload received. Unknown name "additionalProperties" at 'tools[0].function_declarations[0].parameters': Cannot find field.`,
    ]);
    expect(error.details[0]["@type"]).toBe("type.googleapis.com/google.rpc.BadRequest");
    expect(error.details[0].fieldViolations[0].field).toBe("tools[0].function_declarations[0].parameters");
  });

  test("unknown type names, arrays without items, objects without properties", async () => {
    const badType = await generate("gemini-2.5-flash", {
      ...hi,
      tools: [{ functionDeclarations: [{ name: "f", parameters: { type: "object", properties: { a: { type: "strin" } } } }] }],
    });
    expect(((await badType.json()) as any).error.message).toBe(
      `Invalid value at 'tools[0].function_declarations[0].parameters.properties[0].value.type' (type.googleapis.com/google.ai.generativelanguage.v1beta.Type), "strin"`,
    );
    const noItems = await generate("gemini-2.5-flash", {
      ...hi,
      tools: [{ functionDeclarations: [{ name: "f", parameters: { type: "OBJECT", properties: { tags: { type: "ARRAY" } } } }] }],
    });
    expect(((await noItems.json()) as any).error.message).toBe(
      "* GenerateContentRequest.tools[0].function_declarations[0].parameters.properties[tags].items: missing field.\n",
    );
    const noProps = await generate("gemini-2.5-flash", {
      ...hi,
      tools: [{ functionDeclarations: [{ name: "f", parameters: { type: "OBJECT", properties: {} } }] }],
    });
    expect(((await noProps.json()) as any).error.message).toBe(
      "* GenerateContentRequest.tools[0].function_declarations[0].parameters.properties: should be non-empty for OBJECT type\n",
    );
  });

  test("Gemma takes neither system instructions nor tools", async () => {
    const system = await generate("gemma-3-27b-it", { ...hi, systemInstruction: { parts: [{ text: "be brief" }] } });
    expect(((await system.json()) as any).error).toEqual({
      code: 400,
      message: "Developer instruction is not enabled for models/gemma-3-27b-it",
      status: "INVALID_ARGUMENT",
    });
    const tools = await generate("gemma-3-27b-it", { ...hi, tools: [{ functionDeclarations: [{ name: "f" }] }] });
    expect(((await tools.json()) as any).error.message).toBe("Function calling is not enabled for models/gemma-3-27b-it");
  });

  test("thinkingLevel is for Gemini 3; budget and level together are refused", async () => {
    const level = await generate("gemini-2.5-flash", { ...hi, generationConfig: { thinkingConfig: { thinkingLevel: "LOW" } } });
    expect(level.status).toBe(400);
    const both = await generate("gemini-3-pro-preview", { ...hi, generationConfig: { thinkingConfig: { thinkingLevel: "LOW", thinkingBudget: 10 } } });
    expect(both.status).toBe(400);
    const fine = await generate("gemini-3-pro-preview", { ...hi, generationConfig: { thinkingConfig: { thinkingLevel: "low", includeThoughts: true } } });
    expect(fine.status).toBe(200);
  });
});

describe("scripted failures", () => {
  test("429 RESOURCE_EXHAUSTED with RetryInfo, as recorded", async () => {
    fake.script(rateLimited("37s"));
    const res = await generate("gemini-2.5-flash", { contents: [{ role: "user", parts: [{ text: "x" }] }] });
    expect(res.status).toBe(429);
    const body = (await res.json()) as any;
    expect(body.error.status).toBe("RESOURCE_EXHAUSTED");
    expect(body.error.details[1]).toEqual({ "@type": "type.googleapis.com/google.rpc.RetryInfo", retryDelay: "37s" });
    fake.script(rateLimited());
    const error = await ai.models.generateContent({ model: "gemini-2.5-flash", contents: "x" }).catch((e) => e);
    expect(error).toBeInstanceOf(ApiError);
    expect(error.status).toBe(429);
  });

  test("an error mid-stream is an error event; the SDK throws after the pieces before it", async () => {
    fake.script({ text: "one two three four five six", failAfter: { events: 1, error: OVERLOADED } });
    const seen: string[] = [];
    const error = await (async () => {
      for await (const c of await ai.models.generateContentStream({ model: "gemini-2.5-flash", contents: "x" })) seen.push(c.text ?? "");
    })().catch((e) => e);
    expect(seen).toEqual(["one two "]);
    expect(error).toBeInstanceOf(ApiError);
    expect(error.status).toBe(503);
    expect(error.message).toContain("The model is overloaded");
  });

  test("a scripted status with its own headers", async () => {
    fake.script(googleError(500, "INTERNAL", "boom", { headers: { "x-extra": "1" } }));
    const res = await generate("gemini-2.5-flash", { contents: [{ role: "user", parts: [{ text: "x" }] }] });
    expect(res.status).toBe(500);
    expect(res.headers.get("x-extra")).toBe("1");
    expect(await res.json()).toEqual({ error: { code: 500, message: "boom", status: "INTERNAL" } });
  });

  test("a gate holds the stream; a client that leaves is seen as aborted", async () => {
    const gate = streamGate();
    fake.script({ text: "a b c d e f", gate });
    const controller = new AbortController();
    const pending = ai.models.generateContentStream({ model: "gemini-2.5-flash", contents: "slow", config: { abortSignal: controller.signal } });
    await gate.waiting();
    gate.release(1);
    const it = (await pending)[Symbol.asyncIterator]();
    expect((await it.next()).value!.text).toBe("a b ");
    await gate.waiting();
    expect(gate.sent).toBe(1);
    controller.abort();
    const aborted = await fake.aborted();
    expect(aborted).toBe(last());
    expect(gate.sent).toBe(1);
  });
});
