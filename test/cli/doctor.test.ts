import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { chmodSync, mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { startFakeOpenAI, type FakeOpenAI } from "../fakes/openai-upstream.ts";
import { runCli, tempHome } from "../helpers/cli.ts";
import { startEngine } from "../helpers/engine.ts";

const KEY = "sk-doctor-secret-7a7a7a7a";

let fake: FakeOpenAI;
beforeAll(async () => {
  fake = await startFakeOpenAI();
});
afterAll(async () => {
  await fake?.close();
});

/** A port nothing listens on right now (the OS's pick, released at once). */
function closedPort(): number {
  const l = Bun.listen({ hostname: "127.0.0.1", port: 0, socket: { data() {} } });
  const port = l.port;
  l.stop(true);
  return port;
}

/** A home as `keys set` and `alias add` leave it: 0700, secrets 0600, a valid config. */
async function healthyHome(config: unknown = { aliases: { smart: { targets: ["openai/gpt-4o"] } } }): Promise<string> {
  const home = tempHome();
  const r = await runCli(["keys", "set", "openai"], { home, stdin: KEY });
  expect(r.code).toBe(0);
  writeFileSync(join(home, "config.json"), JSON.stringify(config, null, 2));
  return home;
}

const doctor = (home: string, args: string[] = [], env: Record<string, string> = {}) =>
  runCli(["doctor", ...args], { home, env: { OPENTRACY_PORT: String(closedPort()), ...env } });

describe("opentracy doctor", () => {
  test("a healthy home: every line ok, the key masked, exit 0", async () => {
    const home = await healthyHome();
    const r = await doctor(home);
    expect(r.stdout).toMatch(new RegExp(`^ok +home +${home} is 0700$`, "m"));
    expect(r.stdout).toMatch(/^ok +keys +openai: key sk-…7a7a from the sealed key store$/m);
    expect(r.stdout).toMatch(/^ok +keys +1 sealed secret open under master key [0-9a-f]{8}$/m);
    expect(r.stdout).toMatch(/^ok +port +127\.0\.0\.1:\d+ is free$/m);
    expect(r.stdout).toMatch(/^-- +keys +no key \(unused\): groq, /m);
    expect(r.stdout).not.toMatch(/^FAIL/m);
    expect(r.stdout).toContain("ready to serve");
    expect(r.stdout + r.stderr).not.toContain(KEY);
    expect(r.code).toBe(0);
  });

  test("credentials.json readable by others: FAIL with the chmod that fixes it, exit 1", async () => {
    const home = await healthyHome();
    const secrets = join(home, "credentials.json");
    chmodSync(secrets, 0o644);
    const r = await doctor(home);
    expect(r.stdout).toMatch(new RegExp(`^FAIL files +${secrets} is readable by other users \\(mode 644\\)\\n +fix: chmod 600 ${secrets}$`, "m"));
    expect(r.code).toBe(1);
  });

  test("sealed keys under another master key: FAIL naming both key ids, with the fix, exit 1", async () => {
    const home = await healthyHome();
    const r = await doctor(home, [], { OPENTRACY_MASTER_KEY: Buffer.alloc(32, 1).toString("base64") });
    expect(r.stdout).toMatch(/^FAIL keys +secret\/openai_api_key was sealed under master key [0-9a-f]{8}, but this engine's master key is [0-9a-f]{8}/m);
    expect(r.stdout).toContain("fix: set OPENTRACY_MASTER_KEY to the key the secrets were sealed with");
    expect(r.code).toBe(1);
  });

  test("a corrupt config.json: FAIL naming the file and the line, exit 1", async () => {
    const home = await healthyHome();
    const config = join(home, "config.json");
    writeFileSync(config, '{\n  "aliases": {\n    "smart": ,\n  }\n}\n');
    const r = await doctor(home);
    expect(r.stdout).toMatch(new RegExp(`^FAIL files +${config}: line 3, column \\d+: `, "m"));
    expect(r.stdout).toContain(`fix: edit ${config}`);
    expect(r.code).toBe(1);
  });

  test("an invalid field is named by its path", async () => {
    const home = await healthyHome({ server: { port: "eighty" } });
    const r = await doctor(home);
    expect(r.stdout).toMatch(/^FAIL files +.*config\.json: field server\.port: /m);
    expect(r.code).toBe(1);
  });

  test("an alias on a provider without a key: FAIL with `opentracy keys set <provider>`, exit 1", async () => {
    const home = await healthyHome({ aliases: { smart: { targets: ["anthropic/claude-sonnet-4-6", "openai/gpt-4o"] } } });
    const r = await doctor(home);
    expect(r.stdout).toMatch(/^FAIL keys +alias smart routes to anthropic, which is not configured: .*\n +fix: opentracy keys set anthropic$/m);
    expect(r.code).toBe(1);
  });

  test("no key at all: FAIL saying how to add one", async () => {
    const home = tempHome();
    mkdirSync(home, { recursive: true, mode: 0o700 });
    const r = await doctor(home);
    expect(r.stdout).toMatch(/^FAIL keys +no provider has a key.*\n +fix: opentracy keys set openai/m);
    expect(r.code).toBe(1);
  });

  test("--online: a key the upstream accepts is ok with its latency; a wrong one is rejected; a dead URL unreachable", async () => {
    const home = await healthyHome();
    const good = await doctor(home, ["--online"], { OPENAI_BASE_URL: fake.url, OPENAI_API_KEY: fake.apiKey });
    expect(good.stdout).toMatch(/^ok +online +openai: ok, key accepted in \d+ ms$/m);
    expect(good.stdout).toMatch(/^ok +keys +openai: key sk-…fake from env OPENAI_API_KEY$/m);
    expect(good.code).toBe(0);
    expect(fake.requests.at(-1)).toMatchObject({ method: "GET" });

    const wrong = await doctor(home, ["--online"], { OPENAI_BASE_URL: fake.url });
    expect(wrong.stdout).toMatch(/^FAIL online +openai: key rejected \(HTTP 401\) in \d+ ms\n +fix: opentracy keys set openai$/m);
    expect(wrong.stdout + wrong.stderr).not.toContain(KEY);
    expect(wrong.code).toBe(1);

    const dead = await doctor(home, ["--online"], { OPENAI_BASE_URL: `http://127.0.0.1:${closedPort()}/v1` });
    expect(dead.stdout).toMatch(/^FAIL online +openai: unreachable at http:\/\/127\.0\.0\.1:\d+ /m);
    expect(dead.code).toBe(1);
  });

  test("without --online no request leaves", async () => {
    const home = await healthyHome();
    const before = fake.requests.length;
    const r = await doctor(home, [], { OPENAI_BASE_URL: fake.url });
    expect(r.stdout).not.toContain("online");
    expect(fake.requests.length).toBe(before);
  });

  test("an unreachable ClickHouse: FAIL, not blocking (traces spool), password never printed", async () => {
    const home = await healthyHome();
    const r = await doctor(home, [], { OPENTRACY_CLICKHOUSE_URL: `http://tracer:hunter2pw@127.0.0.1:${closedPort()}/opentracy` });
    expect(r.stdout).toMatch(/^FAIL clickhouse +http:\/\/tracer:\*\*\*@127\.0\.0\.1:\d+\/opentracy is unreachable .*\(not blocking\)$/m);
    expect(r.stdout + r.stderr).not.toContain("hunter2pw");
    expect(r.code).toBe(0);
  });

  test("a port taken by another program: FAIL with another port to use; taken by an opentracy engine: ok", async () => {
    const home = await healthyHome();
    const squatter = Bun.serve({ hostname: "127.0.0.1", port: 0, fetch: () => new Response("not us") });
    try {
      const r = await doctor(home, [], { OPENTRACY_PORT: String(squatter.port) });
      expect(r.stdout).toMatch(new RegExp(`^FAIL port +127\\.0\\.0\\.1:${squatter.port} is taken by another program\\n +fix: .*opentracy serve --port `, "m"));
      expect(r.code).toBe(1);
    } finally {
      await squatter.stop(true);
    }
    const engine = await startEngine({ home });
    try {
      const port = new URL(engine.url).port;
      const r = await doctor(home, [], { OPENTRACY_PORT: port });
      expect(r.stdout).toMatch(new RegExp(`^ok +port +127\\.0\\.0\\.1:${port} is served by an opentracy engine \\(version \\S+\\) already$`, "m"));
      expect(r.code).toBe(0);
    } finally {
      await engine.stop();
    }
  });

  test("--json: one object with ok and every check, for scripts", async () => {
    const home = await healthyHome();
    chmodSync(join(home, "credentials.json"), 0o640);
    const r = await doctor(home, ["--json"]);
    const out = JSON.parse(r.stdout);
    expect(out.ok).toBe(false);
    expect(out.checks.find((c: any) => c.ok === false)).toMatchObject({ area: "files", blocking: true, fix: `chmod 600 ${join(home, "credentials.json")}` });
    expect(out.checks.some((c: any) => c.area === "port" && c.ok === true)).toBe(true);
    expect(r.code).toBe(1);
  });
});
