import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { newToken } from "../../src/auth/tokens.ts";
import { SESSION_SECONDS, Sessions, sessionCookie } from "../../src/server/session.ts";
import { startFakeOpenAI, type FakeOpenAI } from "../fakes/openai-upstream.ts";
import { runCli, tempHome } from "../helpers/cli.ts";
import { startEngine, type RunningEngine } from "../helpers/engine.ts";

// The web UI's sign-in: POST /api/session trades an engine token for an HttpOnly session cookie.

describe("Sessions (in memory)", () => {
  const { entry } = newToken("ui", false);
  const tokens = new Map([[entry.id, entry]]);

  test("an id maps to the token entry until it expires", () => {
    let now = 1_000_000;
    const s = new Sessions(() => now);
    const id = s.create(entry);
    expect(id).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(s.lookup(id, tokens)).toBe(entry);
    now += SESSION_SECONDS * 1000 - 1;
    expect(s.lookup(id, tokens)).toBe(entry);
    now += 1;
    expect(s.lookup(id, tokens)).toBeNull();
    expect(s.size).toBe(0);
  });

  test("a revoked or replaced token ends its sessions; a deleted session is gone", () => {
    const s = new Sessions();
    const id = s.create(entry);
    expect(s.lookup(id, new Map())).toBeNull();
    const id2 = s.create(entry);
    expect(s.lookup(id2, new Map([[entry.id, { ...entry, hash: "0".repeat(64) }]]))).toBeNull();
    const id3 = s.create(entry);
    s.delete(id3);
    expect(s.lookup(id3, tokens)).toBeNull();
  });

  test("the store is bounded: the oldest session goes first", () => {
    const s = new Sessions();
    const first = s.create(entry);
    for (let i = 0; i < 1000; i++) s.create(entry);
    expect(s.size).toBe(1000);
    expect(s.lookup(first, tokens)).toBeNull();
  });

  test("the cookie parser takes only a well-formed session id", () => {
    const id = "a".repeat(43);
    const req = (cookie: string) => new Request("http://x/", { headers: { cookie } });
    expect(sessionCookie(req(`other=1; opentracy_session=${id}`))).toBe(id);
    expect(sessionCookie(req("opentracy_session=otk_abc"))).toBeNull();
    expect(sessionCookie(new Request("http://x/"))).toBeNull();
  });
});

describe("an engine with tokens", () => {
  let fake: FakeOpenAI;
  let engine: RunningEngine;
  let user: string;
  let admin: string;
  const CSRF = { "x-opentracy-csrf": "1" };

  beforeAll(async () => {
    fake = await startFakeOpenAI();
    const home = tempHome();
    user = (await runCli(["tokens", "create", "--name", "ci-bot"], { home })).stdout.trim();
    admin = (await runCli(["tokens", "create", "--name", "ops", "--admin"], { home })).stdout.trim();
    engine = await startEngine({ home, env: { OPENAI_BASE_URL: fake.url, OPENAI_API_KEY: fake.apiKey } });
  });
  afterAll(async () => {
    await engine?.stop();
    fake?.close();
  });

  const signIn = (token: unknown, headers: Record<string, string> = CSRF) =>
    fetch(`${engine.url}/api/session`, { method: "POST", headers: { "content-type": "application/json", ...headers }, body: JSON.stringify({ token }) });
  const cookieOf = (res: Response) => res.headers.get("set-cookie")!.split(";")[0]!;
  const get = (path: string, headers: Record<string, string>) => fetch(`${engine.url}${path}`, { headers });

  test("signing in sets an HttpOnly, SameSite=Strict cookie that is not the token", async () => {
    const res = await signIn(user);
    expect(res.status).toBe(204);
    const set = res.headers.get("set-cookie")!;
    expect(set).toMatch(/^opentracy_session=[A-Za-z0-9_-]{43}; /);
    expect(set).toContain("HttpOnly");
    expect(set).toContain("SameSite=Strict");
    expect(set).toContain("Path=/");
    expect(set).toContain(`Max-Age=${SESSION_SECONDS}`);
    expect(set).not.toContain("Secure"); // plain http on loopback; TLS adds it
    expect(set).not.toContain(user);
    expect(set).not.toContain(user.split("_")[2]!);
    const cookie = cookieOf(res);
    const who = await get("/api/session", { cookie });
    expect(who.status).toBe(200);
    expect(await who.json()).toEqual({ via: "cookie", name: "ci-bot", admin: false });
    const traces = await get("/api/traces", { cookie });
    expect(traces.status).toBe(200);
  });

  test("without credentials, with a forged or a logged-out cookie, /api/ answers 401", async () => {
    const none = await get("/api/traces", {});
    expect(none.status).toBe(401);
    expect(((await none.json()) as any).error.code).toBe("invalid_api_key");
    expect((await get("/api/session", {})).status).toBe(401);
    expect((await get("/api/traces", { cookie: `opentracy_session=${"A".repeat(43)}` })).status).toBe(401);
    // The token itself as the cookie value is not a session.
    expect((await get("/api/traces", { cookie: `opentracy_session=${user}` })).status).toBe(401);
    const cookie = cookieOf(await signIn(admin));
    expect((await get("/api/session", { cookie })).status).toBe(200);
    const out = await fetch(`${engine.url}/api/session`, { method: "DELETE", headers: { cookie, ...CSRF } });
    expect(out.status).toBe(204);
    expect(out.headers.get("set-cookie")).toContain("Max-Age=0");
    const stale = await get("/api/traces", { cookie });
    expect(stale.status).toBe(401);
    expect(((await stale.json()) as any).error.message).toContain("session has ended");
  });

  test("a wrong token or a malformed body is refused, and no cookie is set", async () => {
    const wrong = await signIn(`${user.slice(0, -4)}AAAA`);
    expect(wrong.status).toBe(401);
    expect(wrong.headers.get("set-cookie")).toBeNull();
    const body = (await wrong.json()) as any;
    expect(body.error.message).toContain("not a valid engine token");
    expect(JSON.stringify(body)).not.toContain(user.slice(0, 20));
    expect((await signIn(42)).status).toBe(400);
    const bad = await fetch(`${engine.url}/api/session`, { method: "POST", headers: CSRF, body: "{" });
    expect(bad.status).toBe(400);
  });

  test("a state change needs the CSRF header and this engine's Origin; bearer requests need neither", async () => {
    const noHeader = await signIn(user, {});
    expect(noHeader.status).toBe(403);
    const body = (await noHeader.json()) as any;
    expect(body.error).toMatchObject({ code: "csrf_required", type: "invalid_request_error" });
    const host = new URL(engine.url).host;
    expect((await signIn(user, { ...CSRF, origin: "https://evil.example" })).status).toBe(403);
    expect((await signIn(user, { ...CSRF, origin: `http://${host}` })).status).toBe(204);

    const cookie = cookieOf(await signIn(user));
    const logout = (headers: Record<string, string>) => fetch(`${engine.url}/api/session`, { method: "DELETE", headers: { cookie, ...headers } });
    expect((await logout({})).status).toBe(403);
    expect((await logout({ ...CSRF, origin: "http://localhost:1" })).status).toBe(403);
    // Still signed in: the refused logouts did nothing.
    expect((await get("/api/session", { cookie })).status).toBe(200);

    // Scripts: a bearer token reads /api/ with no CSRF header, and wins over a bad cookie.
    const bearer = await get("/api/traces", { authorization: `Bearer ${admin}`, cookie: `opentracy_session=${"B".repeat(43)}` });
    expect(bearer.status).toBe(200);
    expect(await (await get("/api/session", { authorization: `Bearer ${admin}` })).json()).toEqual({ via: "bearer", name: "ops", admin: true });
    // The cookie signs in /api/ only, never the OpenAI API.
    const chat = await fetch(`${engine.url}/v1/chat/completions`, {
      method: "POST",
      headers: { cookie, "content-type": "application/json", ...CSRF },
      body: JSON.stringify({ model: "openai/gpt-4o", messages: [{ role: "user", content: "hi" }] }),
    });
    expect(chat.status).toBe(401);
  });

  test("revoking the token ends its sessions", async () => {
    const cookie = cookieOf(await signIn(user));
    expect((await get("/api/session", { cookie })).status).toBe(200);
    const reloaded = engine.waitForLog(/settings reloaded/);
    expect((await runCli(["tokens", "revoke", "ci-bot"], { home: engine.home })).code).toBe(0);
    await reloaded;
    expect((await get("/api/session", { cookie })).status).toBe(401);
  });
});

describe("an engine without tokens on loopback", () => {
  test("the UI's API is open and says so", async () => {
    const engine = await startEngine();
    try {
      const res = await fetch(`${engine.url}/api/session`);
      expect(res.status).toBe(200);
      expect(await res.json()).toEqual({ via: "open", name: null, admin: true });
      expect((await fetch(`${engine.url}/api/traces`)).status).toBe(200);
    } finally {
      await engine.stop();
    }
  });
});
