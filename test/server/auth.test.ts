import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { mkdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import OpenAI from "openai";
import { startFakeOpenAI, type FakeOpenAI } from "../fakes/openai-upstream.ts";
import { runCli, tempHome } from "../helpers/cli.ts";
import { startEngine, type RunningEngine } from "../helpers/engine.ts";
import { readTraces } from "../helpers/traces.ts";

let fake: FakeOpenAI;
beforeAll(async () => {
  fake = await startFakeOpenAI();
});
afterAll(() => fake?.close());

const env = () => ({ OPENAI_BASE_URL: fake.url, OPENAI_API_KEY: fake.apiKey });
const ask = { model: "openai/gpt-4o", messages: [{ role: "user" as const, content: "hi" }] };

async function createToken(home: string, args: string[] = []): Promise<string> {
  const r = await runCli(["tokens", "create", ...args], { home });
  expect(r.code).toBe(0);
  return r.stdout.trim();
}

describe("binding", () => {
  test("a non-loopback address without tokens refuses to start and says why", async () => {
    const home = tempHome();
    const r = await runCli(["serve", "--host", "0.0.0.0", "--port", "0"], { home });
    expect(r.code).not.toBe(0);
    expect(r.stderr).toContain("without engine tokens");
    expect(r.stderr).toContain("opentracy tokens create");
    expect(r.stderr).toContain("--insecure-no-auth");
  });

  test("--insecure-no-auth starts it anyway; a token makes it start", async () => {
    const insecure = await startEngine({ args: ["--host", "0.0.0.0", "--insecure-no-auth"], env: env() });
    expect(insecure.url).toContain("0.0.0.0");
    await insecure.stop();
    const home = tempHome();
    await createToken(home);
    const withToken = await startEngine({ home, args: ["--host", "0.0.0.0"], env: env() });
    await withToken.stop();
  });
});

describe("tokens", () => {
  let engine: RunningEngine;
  let user: string;
  let admin: string;
  beforeAll(async () => {
    const home = tempHome();
    user = await createToken(home, ["--name", "ci-bot"]);
    admin = await createToken(home, ["--name", "ops", "--admin"]);
    engine = await startEngine({ home, env: env() });
  });
  afterAll(() => engine?.stop());

  test("only the hash is stored, in a 0600 file; list never shows secrets", async () => {
    // otk_<12 hex>_<43 base64url>: the secret may itself hold "_", so it is cut by position.
    const secret = user.slice("otk_".length + 12 + 1);
    expect(secret).toHaveLength(43);
    const stored = readFileSync(join(engine.home, "tokens.json"), "utf8");
    expect(statSync(join(engine.home, "tokens.json")).mode & 0o777).toBe(0o600);
    expect(stored).not.toContain(secret);
    const list = await runCli(["tokens", "list", "--json"], { home: engine.home });
    expect(list.stdout).not.toContain(secret);
    expect(
      list.stdout
        .trim()
        .split("\n")
        .map((l) => JSON.parse(l).name),
    ).toEqual(["ci-bot", "ops"]);
    expect((await runCli(["tokens", "create", "--name", "ops"], { home: engine.home })).code).not.toBe(0);
  });

  test("missing or wrong token → 401 in OpenAI's shape; a valid one works and is named in the trace", async () => {
    const none = await fetch(`${engine.baseURL}/chat/completions`, { method: "POST", body: JSON.stringify(ask) });
    expect(none.status).toBe(401);
    expect(((await none.json()) as any).error).toMatchObject({ type: "invalid_request_error", code: "invalid_api_key" });
    const wrong = await new OpenAI({ baseURL: engine.baseURL, apiKey: `${user.slice(0, -4)}AAAA`, maxRetries: 0 }).chat.completions.create(ask).catch((e) => e);
    expect(wrong).toBeInstanceOf(OpenAI.AuthenticationError);
    expect(wrong.message).not.toContain(user.slice(0, -4));
    const models = await new OpenAI({ baseURL: engine.baseURL, apiKey: "sk-whatever", maxRetries: 0 }).models.list().catch((e) => e);
    expect(models).toBeInstanceOf(OpenAI.AuthenticationError);

    const { response } = await new OpenAI({ baseURL: engine.baseURL, apiKey: user, maxRetries: 0 }).chat.completions.create(ask).withResponse();
    const id = response.headers.get("x-opentracy-trace-id");
    // The upstream gets the provider key, never the engine token.
    expect(fake.requests.at(-1)!.headers.authorization).toBe(`Bearer ${fake.apiKey}`);
    const stopped = await tracesWithTokenName(engine);
    expect(stopped.find((t) => t.id === id)!.token_name).toBe("ci-bot");
  });

  test("/health shows details to admin tokens only", async () => {
    const h = async (key?: string) => (await (await fetch(`${engine.url}/health`, { headers: key ? { authorization: `Bearer ${key}` } : {} })).json()) as any;
    expect(await h()).toEqual({ status: "ok", version: expect.any(String) });
    expect((await h(user)).traces).toBeUndefined();
    expect((await h(admin)).traces).toBeDefined();
    expect((await h(admin)).routing).toBeDefined();
  });

  test("a revoked token is refused by the running engine", async () => {
    const client = new OpenAI({ baseURL: engine.baseURL, apiKey: user, maxRetries: 0 });
    await client.chat.completions.create(ask);
    const reloaded = engine.waitForLog(/settings reloaded/);
    expect((await runCli(["tokens", "revoke", "ci-bot"], { home: engine.home })).code).toBe(0);
    await reloaded;
    expect(await client.chat.completions.create(ask).catch((e) => e)).toBeInstanceOf(OpenAI.AuthenticationError);
    const list = await runCli(["tokens", "list", "--json"], { home: engine.home });
    expect(JSON.parse(list.stdout.split("\n")[0]).revoked_at).toEqual(expect.any(String));
  });
});

/** The running engine's traces once one carrying a token name is on disk (the writer flushes within about 1 ms). */
async function tracesWithTokenName(engine: RunningEngine) {
  const deadline = performance.now() + 3000;
  for (;;) {
    const traces = readTraces(engine.home);
    if (traces.some((t) => t.token_name) || performance.now() > deadline) return traces;
    await Bun.sleep(50);
  }
}

describe("browsers", () => {
  test("a foreign Origin is refused before anything reaches a provider; an allowed one gets CORS headers", async () => {
    const home = tempHome();
    mkdirSync(home, { recursive: true, mode: 0o700 });
    writeFileSync(join(home, "config.json"), JSON.stringify({ server: { cors_origins: ["http://localhost:3000"] } }));
    const engine = await startEngine({ home, env: env() });
    try {
      const before = fake.requests.length;
      // A "simple" cross-site request: no preflight, text/plain, the browser sends it as is.
      const evil = await fetch(`${engine.baseURL}/chat/completions`, {
        method: "POST",
        headers: { origin: "https://evil.example", "content-type": "text/plain" },
        body: JSON.stringify(ask),
      });
      expect(evil.status).toBe(403);
      expect(evil.headers.get("access-control-allow-origin")).toBeNull();
      expect(fake.requests.length).toBe(before);

      const pre = await fetch(`${engine.baseURL}/chat/completions`, {
        method: "OPTIONS",
        headers: {
          origin: "http://localhost:3000",
          "access-control-request-method": "POST",
          "access-control-request-headers": "authorization, content-type, x-stainless-os",
        },
      });
      expect(pre.status).toBe(204);
      expect(pre.headers.get("access-control-allow-origin")).toBe("http://localhost:3000");
      expect(pre.headers.get("access-control-allow-headers")).toContain("x-stainless-os");
      const ok = await fetch(`${engine.baseURL}/chat/completions`, {
        method: "POST",
        headers: { origin: "http://localhost:3000", "content-type": "application/json" },
        body: JSON.stringify(ask),
      });
      expect(ok.status).toBe(200);
      expect(ok.headers.get("access-control-allow-origin")).toBe("http://localhost:3000");
    } finally {
      await engine.stop();
    }
  });
});
