// Drives the Azure fake with the official `openai` package's AzureOpenAI client (dated API) and its
// plain OpenAI client pointed at /openai/v1 (the v1 API), so the fake speaks what the SDK speaks.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import OpenAI, { AzureOpenAI } from "openai";
import { azureError, promptFiltered, rateLimited, startFakeAzure, streamGate, type FakeAzure } from "./azure-upstream.ts";

let fake: FakeAzure;
let azure: AzureOpenAI;

const API_VERSION = "2024-10-21";
const DEPLOYMENT = "gpt-4o-prod";

beforeAll(async () => {
  fake = await startFakeAzure();
  azure = new AzureOpenAI({ endpoint: fake.endpoint, apiKey: fake.apiKey, apiVersion: API_VERSION, deployment: DEPLOYMENT, maxRetries: 0 });
});
afterAll(() => fake.close());

const said = () => `ping ${crypto.randomUUID()} over`;
const ask = (text: string) => [{ role: "user" as const, content: text }];
const post = (path: string, body: unknown, headers: Record<string, string> = { "api-key": fake.apiKey }) =>
  fetch(`${fake.endpoint}${path}`, { method: "POST", headers: { "content-type": "application/json", ...headers }, body: JSON.stringify(body) });
const DATED_PATH = `/openai/deployments/${DEPLOYMENT}/chat/completions?api-version=${API_VERSION}`;

describe("dated API through AzureOpenAI", () => {
  test("answers with Azure's extras: content filter results, prompt filter results, the deployment's model", async () => {
    const text = said();
    const { data, response } = await azure.chat.completions.create({ model: "ignored-by-azure", messages: ask(text) }).withResponse();
    const seen = fake.requests.at(-1)!;
    expect(seen.path).toBe(DATED_PATH);
    expect(seen.headers["api-key"]).toBe(fake.apiKey);
    expect(seen.headers.authorization).toBeUndefined();
    expect(data.choices[0].message.content).toBe(text);
    expect(data.model).toBe("gpt-4o-2024-08-06");
    const x = data as any;
    expect(Object.keys(x)).toEqual(["choices", "created", "id", "model", "object", "prompt_filter_results", "system_fingerprint", "usage"]);
    expect(x.prompt_filter_results[0].content_filter_results.jailbreak).toEqual({ detected: false, filtered: false });
    expect(x.choices[0].content_filter_results.violence).toEqual({ filtered: false, severity: "safe" });
    expect(data.usage!.total_tokens).toBe(data.usage!.prompt_tokens + data.usage!.completion_tokens);
    expect(response.headers.get("apim-request-id")).toMatch(/^[0-9a-f-]{36}$/);
  });

  test("a stream opens with the choice-less prompt filter chunk, then OpenAI's chunks, then [DONE]", async () => {
    const text = said();
    const stream = await azure.chat.completions.create({ model: DEPLOYMENT, messages: ask(text), stream: true, stream_options: { include_usage: true } });
    const chunks: any[] = [];
    for await (const c of stream) chunks.push(c);
    expect(chunks[0]).toMatchObject({ choices: [], created: 0, id: "", model: "", object: "" });
    expect(chunks[0].prompt_filter_results).toHaveLength(1);
    expect(chunks[1].choices[0].delta).toEqual({ content: "", refusal: null, role: "assistant" });
    expect(
      chunks
        .slice(1, -1)
        .map((c) => c.choices[0].delta.content ?? "")
        .join(""),
    ).toBe(text);
    expect(chunks.at(-2).choices[0].finish_reason).toBe("stop");
    expect(chunks.at(-1).choices).toEqual([]);
    expect(chunks.at(-1).usage.total_tokens).toBeGreaterThan(0);
  });

  test("asynchronous filtering adds annotation chunks whose choices have no delta", async () => {
    fake.script({ content: "all fine here", asyncFilter: true });
    const res = await post(DATED_PATH, { messages: ask("x"), stream: true });
    const chunks = (await res.text())
      .split("\n\n")
      .filter(Boolean)
      .slice(0, -1)
      .map((e) => JSON.parse(e.slice(6)));
    const annotation = chunks.find((c) => c.choices[0]?.content_filter_offsets);
    expect(annotation.id).toBe("");
    expect("delta" in annotation.choices[0]).toBe(false);
  });

  test("two tool calls stream on their own indexes and accumulate in the SDK helper", async () => {
    fake.script({
      toolCalls: [
        { name: "get_weather", arguments: { city: "Paris" } },
        { name: "get_time", arguments: { tz: "CET" } },
      ],
    });
    const final = await azure.chat.completions
      .stream({
        model: DEPLOYMENT,
        messages: ask("weather and time"),
        tools: [
          { type: "function", function: { name: "get_weather", parameters: { type: "object", properties: {} } } },
          { type: "function", function: { name: "get_time", parameters: { type: "object", properties: {} } } },
        ],
      })
      .finalChatCompletion();
    expect(final.choices[0].message.tool_calls!.map((c: any) => [c.function.name, JSON.parse(c.function.arguments)])).toEqual([
      ["get_weather", { city: "Paris" }],
      ["get_time", { tz: "CET" }],
    ]);
    expect(final.choices[0].finish_reason).toBe("tool_calls");
  });

  test("a filtered completion ends with finish_reason content_filter and the tripped category", async () => {
    fake.script({ content: "something that gets filtered halfway", finishReason: "content_filter" });
    const data: any = await azure.chat.completions.create({ model: DEPLOYMENT, messages: ask("x") });
    expect(data.choices[0].finish_reason).toBe("content_filter");
    expect(data.choices[0].content_filter_results.violence).toEqual({ filtered: true, severity: "high" });
  });

  test("tool messages must answer an earlier assistant tool call, as OpenAI requires", async () => {
    const error = await azure.chat.completions
      .create({
        model: DEPLOYMENT,
        messages: [
          { role: "user", content: "x" },
          { role: "tool", tool_call_id: "call_nope", content: "r" },
        ],
      })
      .catch((e) => e);
    expect(error).toBeInstanceOf(OpenAI.BadRequestError);
    expect(error.param).toBe("messages.[1].role");
  });
});

describe("v1 API through the plain OpenAI client", () => {
  test("model names the deployment; the key goes as Bearer or api-key; no api-version needed", async () => {
    const v1 = new OpenAI({ baseURL: `${fake.endpoint}/openai/v1`, apiKey: fake.apiKey, maxRetries: 0 });
    const text = said();
    const data = await v1.chat.completions.create({ model: "chat-nano", messages: ask(text) });
    expect(data.choices[0].message.content).toBe(text);
    expect(data.model).toBe("gpt-4.1-nano-2025-04-14");
    expect(fake.requests.at(-1)!.path).toBe("/openai/v1/chat/completions");
    expect((await post("/openai/v1/chat/completions", { model: "chat-nano", messages: ask("x") })).status).toBe(200);
    const unknown = await v1.chat.completions.create({ model: "nope", messages: ask("x") }).catch((e) => e);
    expect(unknown).toBeInstanceOf(OpenAI.NotFoundError);
    expect(unknown.code).toBe("DeploymentNotFound");
  });
});

describe("errors as Azure words them", () => {
  test("a wrong key is 401 'Access denied…'; a Bearer key on the dated API is refused too", async () => {
    const wrong = new AzureOpenAI({ endpoint: fake.endpoint, apiKey: "nope", apiVersion: API_VERSION, deployment: DEPLOYMENT, maxRetries: 0 });
    const error = await wrong.chat.completions.create({ model: DEPLOYMENT, messages: ask("x") }).catch((e) => e);
    expect(error).toBeInstanceOf(OpenAI.AuthenticationError);
    expect(error.code).toBe("401");
    expect(error.message).toContain("Access denied due to invalid subscription key");
    expect((await post(DATED_PATH, { messages: ask("x") }, { authorization: `Bearer ${fake.apiKey}` })).status).toBe(401);
  });

  test("a missing or unknown api-version is 404 Resource not found; an unknown deployment is DeploymentNotFound", async () => {
    for (const path of [`/openai/deployments/${DEPLOYMENT}/chat/completions`, `/openai/deployments/${DEPLOYMENT}/chat/completions?api-version=2024-05-13`]) {
      const res = await post(path, { messages: ask("x") });
      expect(res.status).toBe(404);
      expect((await res.json()) as any).toEqual({ error: { code: "404", message: "Resource not found" } });
    }
    const missing = await post(`/openai/deployments/nope/chat/completions?api-version=${API_VERSION}`, { messages: ask("x") });
    expect(missing.status).toBe(404);
    expect(((await missing.json()) as any).error.code).toBe("DeploymentNotFound");
  });

  test("stream_options is refused by API versions older than 2024-09-01", async () => {
    const res = await post(`/openai/deployments/${DEPLOYMENT}/chat/completions?api-version=2024-06-01`, {
      messages: ask("x"),
      stream: true,
      stream_options: { include_usage: true },
    });
    expect(res.status).toBe(400);
    expect(((await res.json()) as any).error.message).toBe("Unrecognized request argument supplied: stream_options");
  });

  test("a filtered prompt is a 400 with code content_filter and the categories in innererror", async () => {
    fake.script(promptFiltered("jailbreak"));
    const error = await azure.chat.completions.create({ model: DEPLOYMENT, messages: ask("x") }).catch((e) => e);
    expect(error).toBeInstanceOf(OpenAI.BadRequestError);
    expect(error.code).toBe("content_filter");
    expect(error.param).toBe("prompt");
    expect(error.error.innererror.content_filter_result.jailbreak).toEqual({ detected: true, filtered: true });
  });

  test("429 carries retry-after and retry-after-ms; a mid-stream error arrives as an error event", async () => {
    fake.script(rateLimited(6));
    const limited = await azure.chat.completions.create({ model: DEPLOYMENT, messages: ask("x") }).catch((e) => e);
    expect(limited).toBeInstanceOf(OpenAI.RateLimitError);
    expect(limited.headers.get("retry-after")).toBe("6");
    expect(limited.headers.get("retry-after-ms")).toBe("6000");
    expect(limited.message).toContain("Please retry after 6 seconds");

    fake.script({ content: "one two three four", failAfter: 3 });
    const seen: unknown[] = [];
    const failed = await (async () => {
      for await (const c of await azure.chat.completions.create({ model: DEPLOYMENT, messages: ask("x"), stream: true })) seen.push(c);
    })().catch((e) => e);
    expect(failed).toBeInstanceOf(OpenAI.APIError);
    expect(seen).toHaveLength(3);

    fake.script(azureError(503, "ServiceUnavailable", "The service is temporarily unable to process your request. Please try again later."));
    const down = await azure.chat.completions.create({ model: DEPLOYMENT, messages: ask("x") }).catch((e) => e);
    expect(down.status).toBe(503);
  });

  test("a gate holds the stream, and a client that leaves is seen as aborted", async () => {
    const gate = streamGate({ initial: 1 });
    fake.script({ content: "one two three", gate });
    const ac = new AbortController();
    const stream = await azure.chat.completions.create({ model: DEPLOYMENT, messages: ask("slow"), stream: true }, { signal: ac.signal });
    const it = stream[Symbol.asyncIterator]();
    expect(((await it.next()).value as any).prompt_filter_results).toBeDefined();
    await gate.waiting();
    const aborted = fake.aborted();
    ac.abort();
    expect(((await aborted).body as any).messages[0].content).toBe("slow");
  });
});
