import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import OpenAI from "openai";
import { paths } from "../../../src/config/paths.ts";
import { openSealedSecrets } from "../../../src/settings/provider-keys.ts";
import { startFakeOpenAI, type FakeOpenAI } from "../../fakes/openai-upstream.ts";
import { runCli } from "../../helpers/cli.ts";
import { startEngine, type RunningEngine } from "../../helpers/engine.ts";

// The settings API the UI's settings pages use: keys sealed like `keys set` does, base URLs,
// aliases with their explanation, tokens, the audit log; admin only; never key material out.
const CSRF = { "x-opentracy-csrf": "1", "content-type": "application/json" };
const KEY = "sk-settings-api-Zq81";

let fake: FakeOpenAI;
let engine: RunningEngine;

// The answers are read loosely (`any`): the assertions say what they must hold.
const call = (method: string, path: string, body?: unknown, headers: Record<string, string> = CSRF) =>
  fetch(`${engine.url}${path}`, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) }) as Promise<
    Omit<Response, "json"> & { json(): Promise<any> }
  >;

beforeAll(async () => {
  fake = await startFakeOpenAI({ apiKey: KEY });
  engine = await startEngine({ env: { OPENAI_BASE_URL: fake.url } });
});
afterAll(async () => {
  await engine?.stop();
  await fake?.close();
});

describe("settings API on an open loopback engine", () => {
  test("a key set through the API is sealed on disk, used by the next request, shown masked, and never returned whole", async () => {
    const client = new OpenAI({ baseURL: engine.baseURL, apiKey: "x", maxRetries: 0 });
    const req = { model: "openai/gpt-4o-mini", messages: [{ role: "user" as const, content: "hi" }] };
    expect(await client.chat.completions.create(req).catch((e) => e)).toBeInstanceOf(OpenAI.AuthenticationError);

    const res = await call("PUT", "/api/settings/providers/openai/key", { key: KEY });
    expect(res.status).toBe(200);
    const text = await res.text();
    expect(text).not.toContain(KEY);
    expect(JSON.parse(text)).toMatchObject({ name: "openai", key: { masked: "sk-…Zq81", source: "sealed" }, problem: null });

    const answer = await client.chat.completions.create(req);
    expect(answer.choices[0]!.message.content).toContain("hi");
    expect(fake.requests.at(-1)!.headers.authorization).toBe(`Bearer ${KEY}`);
    for (const f of readdirSync(engine.home)) if (f !== "traces") expect(readFileSync(join(engine.home, f), "utf8")).not.toContain(KEY.slice(3));
    expect((await openSealedSecrets(paths({ OPENTRACY_HOME: engine.home }), {})).secrets.openai_api_key).toBe(KEY);
    const list = await (await call("GET", "/api/settings/providers")).text();
    expect(list).not.toContain(KEY);
  });

  test("test connection answers the verdict and latency, and a rejected key says so", async () => {
    const ok = await (await call("POST", "/api/settings/providers/openai/test")).json();
    expect(ok).toMatchObject({ provider: "openai", verdict: "ok", status: 200 });
    expect(ok.latency_ms).toBeGreaterThanOrEqual(0);
    expect((await call("PUT", "/api/settings/providers/groq/key", { key: "gsk-wrong-key-1" })).status).toBe(200);
    expect((await call("PUT", "/api/settings/providers/groq/base-url", { base_url: fake.url })).status).toBe(200);
    const rejected = await (await call("POST", "/api/settings/providers/groq/test")).json();
    expect(rejected).toMatchObject({ verdict: "key_rejected", status: 401 });
    expect(JSON.stringify(rejected)).not.toContain("gsk-wrong");
    const none = await (await call("POST", "/api/settings/providers/mistral/test")).json();
    expect(none).toMatchObject({ verdict: "not_configured", latency_ms: null });
  });

  test("bad input: each refusal in OpenAI's error shape with the field, and nothing written", async () => {
    const before = readFileSync(join(engine.home, "credentials.json"), "utf8");
    const cases: [string, string, unknown, number, string, string | null][] = [
      ["PUT", "/api/settings/providers/openai/key", { key: "has space" }, 400, "invalid_value", "key"],
      ["PUT", "/api/settings/providers/nope/key", { key: "k" }, 404, "setting_not_found", "provider"],
      ["PUT", "/api/settings/providers/bedrock/key", { fields: { AWS_ACCESS_KEY_ID: "AKIA" } }, 400, "invalid_value", "fields.AWS_SECRET_ACCESS_KEY"],
      ["PUT", "/api/settings/providers/ollama/key", { key: "k" }, 400, "invalid_value", "provider"],
      ["PUT", "/api/settings/providers/openai/base-url", { base_url: "ftp://x" }, 400, "invalid_value", "base_url"],
      ["PUT", "/api/settings/aliases/loop", { targets: ["loop"] }, 400, "invalid_value", null],
      ["PUT", "/api/settings/aliases/bad%2Fname", { targets: ["openai/gpt-4o"] }, 400, "invalid_value", "name"],
      ["DELETE", "/api/settings/aliases/none", undefined, 404, "setting_not_found", "name"],
      ["DELETE", "/api/settings/tokens/none", undefined, 404, "setting_not_found", "id"],
    ];
    for (const [method, path, body, status, code, param] of cases) {
      const res = await call(method, path, body);
      const err = (await res.json()).error;
      expect({ path, status: res.status, code: err.code, type: typeof err.message }).toEqual({ path, status, code, type: "string" });
      if (param) expect(err.param).toBe(param);
    }
    const notJson = await fetch(`${engine.url}/api/settings/providers/openai/key`, { method: "PUT", headers: CSRF, body: "{" });
    expect(((await notJson.json()) as any).error.code).toBe("invalid_json");
    expect(readFileSync(join(engine.home, "credentials.json"), "utf8")).toBe(before);
  });

  test("a change without the CSRF header is refused (a cross-site form cannot set it); another origin is refused", async () => {
    const res = await call("PUT", "/api/settings/providers/openai/key", { key: "sk-evil-1" }, { "content-type": "application/json" });
    expect(res.status).toBe(403);
    expect((await res.json()).error.code).toBe("csrf_required");
    const cross = await call("DELETE", "/api/settings/providers/openai/key", undefined, { ...CSRF, origin: "https://evil.example" });
    expect(cross.status).toBe(403);
    expect((await call("GET", "/api/settings/providers")).status).toBe(200);
  });

  test("aliases: create with the explanation route explain gives, edit, refuse deleting one another alias uses, delete", async () => {
    const created = await call("PUT", "/api/settings/aliases/smart", { targets: ["openai/gpt-4o-mini", "groq/llama-3.3-70b-versatile"] });
    expect(created.status).toBe(201);
    const body = await created.json();
    const cli = await runCli(["route", "explain", "smart", "--json"], { home: engine.home, env: { OPENAI_BASE_URL: fake.url } });
    const fromCli = JSON.parse(cli.stdout);
    expect(body.explain.targets.map((t: any) => [t.target, t.key, t.key_source, t.price_per_million])).toEqual(
      fromCli.targets.map((t: any) => [t.target, t.key, t.key_source, t.price_per_million]),
    );
    expect((await call("PUT", "/api/settings/aliases/smart", { targets: ["openai/gpt-4o"], strategy: "fallback" })).status).toBe(200);
    expect((await call("PUT", "/api/settings/aliases/outer", { targets: ["smart"] })).status).toBe(201);
    const inUse = await call("DELETE", "/api/settings/aliases/smart");
    expect(inUse.status).toBe(409);
    expect((await inUse.json()).error.code).toBe("setting_in_use");
    expect((await call("DELETE", "/api/settings/aliases/outer")).status).toBe(200);
    const list = await (await call("GET", "/api/settings/aliases")).json();
    expect(list.data.map((a: any) => [a.name, a.alias.targets])).toEqual([["smart", ["openai/gpt-4o"]]]);
  });

  test("the audit log names who did what to which, newest first, and holds no key", async () => {
    const audit = await (await call("GET", "/api/settings/audit")).json();
    const actions = audit.data.map((e: any) => `${e.actor} ${e.action} ${e.target}`);
    expect(actions.slice(0, 4)).toEqual(["local alias.remove outer", "local alias.set outer", "local alias.set smart", "local alias.set smart"]);
    expect(actions).toContain("local key.set openai");
    expect(actions).toContain("local base_url.set groq");
    expect(JSON.stringify(audit)).not.toMatch(/sk-settings|gsk-wrong|Zq81/);
  });
});

describe("settings API with tokens", () => {
  test("tokens: created once in full, listed without secrets; a non-admin token is refused; a revoked admin is out", async () => {
    // The engine above is open; the first token makes it require one.
    const created = await call("POST", "/api/settings/tokens", { name: "ops", admin: true });
    expect(created.status).toBe(201);
    const admin = await created.json();
    expect(admin.token).toMatch(/^otk_[0-9a-f]{12}_/);
    expect(await (await call("GET", "/api/settings/tokens")).json()).toMatchObject({ error: { code: "invalid_api_key" } });

    const bearer = (t: string) => ({ authorization: `Bearer ${t}`, "content-type": "application/json" });
    const user = await (await call("POST", "/api/settings/tokens", { name: "app" }, bearer(admin.token))).json();
    expect(user.admin).toBe(false);
    const listed = await (await call("GET", "/api/settings/tokens", undefined, bearer(admin.token))).text();
    expect(listed).not.toContain(admin.token.slice(-20));
    expect(JSON.parse(listed).data.map((t: any) => t.name)).toEqual(["ops", "app"]);
    expect(JSON.parse(listed).data[0].hash).toBeUndefined();

    const refused = await call("GET", "/api/settings/providers", undefined, bearer(user.token));
    expect(refused.status).toBe(403);
    expect((await refused.json()).error).toMatchObject({ code: "admin_required", type: "permission_error" });
    const dup = await call("POST", "/api/settings/tokens", { name: "app" }, bearer(admin.token));
    expect(dup.status).toBe(409);

    expect((await call("DELETE", `/api/settings/tokens/${admin.id}`, undefined, bearer(admin.token))).status).toBe(200);
    expect((await call("GET", "/api/settings/tokens", undefined, bearer(admin.token))).status).toBe(401);
    const audit = readFileSync(join(engine.home, "audit.jsonl"), "utf8");
    expect(audit).toContain('"actor":"token ops","action":"token.revoke","target":"ops"');
    expect(audit).not.toContain(admin.token.slice(4));
  });
});
