// Providers defined in config.json, end to end: the official SDKs → the engine (a real subprocess)
// → the OpenAI fake acting as a self-hosted vLLM server, or the Anthropic fake behind a custom
// name; keys as configured, prices from config.json, /v1/models, and a provider added while the
// engine runs.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import Anthropic from "@anthropic-ai/sdk";
import OpenAI from "openai";
import { startFakeAnthropic, type FakeAnthropic } from "../fakes/anthropic-upstream.ts";
import { serverError, startFakeOpenAI, type FakeOpenAI } from "../fakes/openai-upstream.ts";
import { runCli, tempHome } from "../helpers/cli.ts";
import { startEngine, type RunningEngine } from "../helpers/engine.ts";

let vllm: FakeOpenAI; // no key, like vLLM started without --api-key
let keyed: FakeOpenAI; // takes the key from an environment variable named in config.json
let vault: FakeOpenAI; // takes a key stored with `opentracy keys set`
let late: FakeOpenAI; // added while the engine runs
let claude: FakeAnthropic;
let engine: RunningEngine;
let client: OpenAI;
let home: string;

const PRICE = { input: 0.5, output: 1.5 };
const writeConfig = (config: unknown) => writeFileSync(join(home, "config.json"), JSON.stringify(config, null, 2), { mode: 0o600 });

let config: Record<string, any>;

beforeAll(async () => {
  vllm = await startFakeOpenAI({ models: ["my-model", "unpriced-model"], requireKey: false });
  keyed = await startFakeOpenAI({ models: ["my-model"], apiKey: "sk-from-env-var" });
  vault = await startFakeOpenAI({ models: ["my-model"], apiKey: "sk-stored-in-vault" });
  late = await startFakeOpenAI({ models: ["late-model"], requireKey: false });
  claude = await startFakeAnthropic();
  home = tempHome();
  mkdirSync(home, { recursive: true, mode: 0o700 });
  config = {
    // One try per target and no circuit breaking: each test sees the upstream answer it scripted.
    routing: { retry: { max_attempts: 1 }, cooldown: { failures: 1000, period_ms: 1 } },
    providers: {
      student: { protocol: "openai", base_url: vllm.url, key: "none", headers: { "X-Served-By": "opentracy-test" } },
      keyed: { protocol: "openai", base_url: keyed.url, key_env: "KEYED_SERVER_TOKEN" },
      vault: { protocol: "openai", base_url: vault.url },
      "claude-proxy": { protocol: "anthropic", base_url: claude.url, key_env: "PROXY_KEY" },
    },
    aliases: {
      smart: { targets: ["keyed/my-model", "student/my-model"] },
      "via-vault": { targets: ["vault/my-model"] },
    },
    prices: { "student/my-model": PRICE },
  };
  writeConfig(config);
  // A stale key for the keyless server: "key": "none" means none is sent, even this one.
  writeFileSync(join(home, "secrets.json"), JSON.stringify({ student_api_key: "sk-must-not-be-sent" }), { mode: 0o600 });
  // The stored key goes in the way a user puts it there: the CLI, sealed.
  const stored = await runCli(["keys", "set", "vault"], { home, stdin: "sk-stored-in-vault\n" });
  expect(stored.stderr).toBe("");
  expect(stored.code).toBe(0);
  engine = await startEngine({ home, env: { KEYED_SERVER_TOKEN: keyed.apiKey, PROXY_KEY: claude.apiKey } });
  client = new OpenAI({ baseURL: engine.baseURL, apiKey: "anything", maxRetries: 0 });
});

afterAll(async () => {
  await engine?.stop();
  for (const f of [vllm, keyed, vault, late, claude]) await f?.close();
});

const ask = (text: string) => [{ role: "user" as const, content: text }];
const costOf = (u: { prompt_tokens: number; completion_tokens: number }) => (u.prompt_tokens * PRICE.input + u.completion_tokens * PRICE.output) / 1e6;

describe("an OpenAI-compatible server as a provider", () => {
  test("non-stream: the model as written after the slash, no Authorization header (key none), the configured header, the price from config.json", async () => {
    const question = `hello ${crypto.randomUUID()}`;
    const before = vllm.requests.length;
    const data = await client.chat.completions.create({ model: "student/my-model", messages: ask(question) });
    expect(data.choices[0].message.content).toContain(question);
    const x = data as any;
    expect(x._routing).toMatchObject({ alias: null, selected_model: "student/my-model", provider: "student" });
    expect(x._cost).toBeGreaterThan(0);
    expect(x._cost).toBeCloseTo(costOf(data.usage!), 12);
    expect(vllm.requests.length).toBe(before + 1);
    const sent = vllm.requests.at(-1)!;
    expect((sent.body as any).model).toBe("my-model");
    expect(sent.headers.authorization).toBeUndefined();
    expect(sent.headers["x-served-by"]).toBe("opentracy-test");
  });

  test("a model without a price answers _cost null, not 0", async () => {
    const data = await client.chat.completions.create({ model: "student/unpriced-model", messages: ask("how much?") });
    expect(data.usage!.prompt_tokens).toBeGreaterThan(0);
    expect(Object.hasOwn(data, "_cost")).toBe(true);
    expect((data as any)._cost).toBeNull();
  });

  test("stream: the text as the server sent it, the price on the last chunk", async () => {
    const question = `stream ${crypto.randomUUID()}`;
    const stream = await client.chat.completions.create({
      model: "student/my-model",
      messages: ask(question),
      stream: true,
      stream_options: { include_usage: true },
    });
    const chunks: any[] = [];
    for await (const c of stream) chunks.push(c);
    const text = chunks.map((c) => c.choices[0]?.delta?.content ?? "").join("");
    expect(text).toContain(question);
    const last = chunks.at(-1);
    expect(last.usage.completion_tokens).toBeGreaterThan(0);
    expect(last._cost).toBeCloseTo(costOf(last.usage), 12);
    expect((vllm.requests.at(-1)!.body as any).stream).toBe(true);
  });

  test("the key from the environment variable named by key_env", async () => {
    const data = await client.chat.completions.create({ model: "keyed/my-model", messages: ask("env key") });
    expect(data.choices[0].message.content).toContain("env key");
    expect(keyed.requests.at(-1)!.headers.authorization).toBe(`Bearer ${keyed.apiKey}`);
    // No price for keyed/my-model in config.json, and no catalogue for a custom provider.
    expect((data as any)._cost).toBeNull();
  });

  test("the key stored with keys set, through an alias", async () => {
    const data = await client.chat.completions.create({ model: "via-vault", messages: ask("stored key") });
    expect((data as any)._routing).toMatchObject({ alias: "via-vault", selected_model: "vault/my-model" });
    expect(vault.requests.at(-1)!.headers.authorization).toBe("Bearer sk-stored-in-vault");
  });

  test("an alias falls back from one custom provider to another", async () => {
    keyed.script(serverError());
    const keyedBefore = keyed.requests.length;
    const data = await client.chat.completions.create({ model: "smart", messages: ask("fall back") });
    const x = data as any;
    expect(x._routing.alias).toBe("smart");
    expect(x._routing.selected_model).toBe("student/my-model");
    expect(x._routing.attempts.map((a: any) => [a.model, a.status])).toEqual([
      ["keyed/my-model", 500],
      ["student/my-model", 200],
    ]);
    expect(keyed.requests.length).toBe(keyedBefore + 1);
    expect(x._cost).toBeCloseTo(costOf(data.usage!), 12);
  });

  test("embeddings through the openai protocol", async () => {
    const r = await client.embeddings.create({ model: "student/text-embedding-3-small", input: ["one", "two"] });
    expect(r.data).toHaveLength(2);
    expect(r.data[0].embedding.length).toBeGreaterThan(0);
    const sent = vllm.requests.at(-1)!;
    expect(sent.path).toContain("/embeddings");
    expect((sent.body as any).model).toBe("text-embedding-3-small");
    expect(sent.headers.authorization).toBeUndefined();
  });

  test("GET /v1/models lists the aliases and the custom providers' models named by aliases and prices", async () => {
    const ids = new Map<string, string>();
    for await (const m of client.models.list()) ids.set(m.id, m.owned_by);
    expect(ids.get("smart")).toBe("opentracy");
    expect(ids.get("via-vault")).toBe("opentracy");
    expect(ids.get("student/my-model")).toBe("student");
    expect(ids.get("keyed/my-model")).toBe("keyed");
    expect(ids.get("vault/my-model")).toBe("vault");
    // Named by nothing: not listed (the engine has no way to know the server's models).
    expect(ids.has("student/unpriced-model")).toBe(false);
    const one = await client.models.retrieve("student/my-model");
    expect(one.owned_by).toBe("student");
  });

  test("an unknown provider prefix is still refused, and the message names the custom ones", async () => {
    const err = await client.chat.completions.create({ model: "nobody/my-model", messages: ask("x") }).catch((e) => e);
    expect(err).toBeInstanceOf(OpenAI.APIError);
    expect(err.message).toContain("student");
  });
});

describe("the settings API (the UI's Integrations page)", () => {
  const CSRF = { "x-opentracy-csrf": "1", "content-type": "application/json" };
  const call = (method: string, path: string, body?: unknown) =>
    fetch(`${engine.url}${path}`, { method, headers: CSRF, body: body === undefined ? undefined : JSON.stringify(body) });

  test("lists the custom providers with where their keys come from, and tests one", async () => {
    const { data } = (await (await call("GET", "/api/settings/providers")).json()) as { data: any[] };
    const row = (name: string) => data.find((p) => p.name === name);
    expect(row("openai")).toMatchObject({ custom: false });
    expect(row("student")).toMatchObject({ custom: true, protocol: "openai", takes_key: false, key: null, base_url: vllm.url, problem: null });
    expect(row("vault")).toMatchObject({ custom: true, takes_key: true, key: { masked: "sk-…ault", source: "sealed" }, problem: null });
    expect(row("keyed")).toMatchObject({ custom: true, key_env: "KEYED_SERVER_TOKEN", key: { source: "env KEYED_SERVER_TOKEN" } });
    expect(row("claude-proxy")).toMatchObject({ custom: true, protocol: "anthropic" });
    const tested = (await (await call("POST", "/api/settings/providers/vault/test")).json()) as any;
    expect(tested).toMatchObject({ provider: "vault", verdict: "ok" });
    expect(vault.requests.at(-1)!.headers.authorization).toBe("Bearer sk-stored-in-vault");
  });

  test("a key for a provider that takes none is refused", async () => {
    const res = await call("PUT", "/api/settings/providers/student/key", { key: "sk-nope" });
    expect(res.status).toBe(400);
    expect(((await res.json()) as any).error.message).toContain("takes no API key");
  });
});

test("the engine's status (what serve prints at start, the UI's Overview) counts the custom providers it can call", async () => {
  const body = (await (await fetch(`${engine.url}/api/engine`)).json()) as { providers: { name: string; key_source: string | null }[] };
  expect(body.providers).toEqual([
    { name: "student", key_source: null },
    { name: "keyed", key_source: "KEYED_SERVER_TOKEN" },
    { name: "vault", key_source: "the sealed key store (vault_api_key)" },
    { name: "claude-proxy", key_source: "PROXY_KEY" },
  ]);
});

describe("an Anthropic-protocol provider under its own name", () => {
  test("Messages passes through with the key from key_env", async () => {
    const anthropic = new Anthropic({ baseURL: engine.url, apiKey: "anything", maxRetries: 0 });
    const msg = await anthropic.messages.create({ model: "claude-proxy/claude-haiku-4-5", max_tokens: 64, messages: [{ role: "user", content: "hi proxy" }] });
    expect(msg.type).toBe("message");
    expect(msg.content[0]).toMatchObject({ type: "text" });
    const sent = claude.requests.at(-1)!;
    expect(sent.headers["x-api-key"]).toBe(claude.apiKey);
    expect((sent.body as any).model).toBe("claude-haiku-4-5");
  });

  test("chat completions are translated to it", async () => {
    const data = await client.chat.completions.create({ model: "claude-proxy/claude-haiku-4-5", max_tokens: 64, messages: ask("translated") });
    expect(data.object).toBe("chat.completion");
    expect(data.choices[0].message.content).toContain("translated");
    expect((data as any)._routing.provider).toBe("claude-proxy");
    expect(claude.requests.at(-1)!.path).toContain("/v1/messages");
  });
});

describe("hot reload", () => {
  test("a provider added with the CLI while the engine runs is callable once the engine logs it", async () => {
    const before = await client.chat.completions.create({ model: "fresh/late-model", messages: ask("too early") }).catch((e) => e);
    expect(before).toBeInstanceOf(OpenAI.APIError);
    const reloaded = engine.waitForLog(/settings reloaded: .*provider fresh added/);
    const added = await runCli(["provider", "add", "fresh", "--base-url", late.url, "--no-key"], { home });
    expect(added.code).toBe(0);
    await reloaded;
    const data = await client.chat.completions.create({ model: "fresh/late-model", messages: ask("now known") });
    expect(data.choices[0].message.content).toContain("now known");
    expect(late.requests.at(-1)!.headers.authorization).toBeUndefined();
    // The rest of config.json was kept as it was.
    const written = JSON.parse(readFileSync(join(home, "config.json"), "utf8"));
    expect(written.providers.student).toEqual(config.providers.student);
    expect(written.providers.fresh).toEqual({ protocol: "openai", base_url: late.url, key: "none" });
  });
});
