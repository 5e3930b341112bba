import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { readdirSync, readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import type { ClickHouseClient } from "@clickhouse/client";
import OpenAI from "openai";
import { startFakeOpenAI, type FakeOpenAI } from "../fakes/openai-upstream.ts";
import { eventually, startServer, type RunningServer } from "../helpers/clickhouse.ts";
import { runCli, tempHome } from "../helpers/cli.ts";
import { startEngine, type RunningEngine } from "../helpers/engine.ts";

// Platform teams: several engines on one ClickHouse share keys (sealed in the engine), aliases and
// tokens through its tables. A change made on one engine, or with the CLI, reaches every engine
// within 5 s, with no restart; the key itself never reaches ClickHouse.
const KEY = "sk-shared-Kq93nXw7Lp2v";
const MASTER = Buffer.alloc(32, 42).toString("base64");
const WITHIN_MS = 5000;
const CSRF = { "x-opentracy-csrf": "1", "content-type": "application/json" };

let server: RunningServer;
let client: ClickHouseClient;
let fake: FakeOpenAI;
let a: RunningEngine;
let b: RunningEngine;
let url: string;
const cliHome = tempHome();

const chat = (e: RunningEngine, model: string, apiKey = "x") =>
  new OpenAI({ baseURL: e.baseURL, apiKey, maxRetries: 0 }).chat.completions.create({ model, messages: [{ role: "user", content: "hi" }] });
const cli = (args: string[], stdin?: string, master = MASTER) =>
  runCli(args, { home: cliHome, stdin, env: { OPENTRACY_CLICKHOUSE_URL: url, OPENTRACY_MASTER_KEY: master } });

/** Every row of every table in the database, as text: where a leaked key would show. */
async function everything(db: string): Promise<string> {
  const tables = (await (await client.query({ query: `SELECT name FROM system.tables WHERE database = '${db}'`, format: "JSONEachRow" })).json()) as {
    name: string;
  }[];
  let out = "";
  for (const { name } of tables) out += await (await client.query({ query: `SELECT * FROM \`${db}\`.\`${name}\``, format: "JSONEachRow" })).text();
  return out;
}

beforeAll(async () => {
  server = await startServer({ queryLog: true });
  client = await server.client();
  fake = await startFakeOpenAI({ apiKey: KEY });
  url = `${server.url}/shared_settings`;
  const env = { OPENTRACY_CLICKHOUSE_URL: url, OPENTRACY_MASTER_KEY: MASTER, OPENAI_BASE_URL: fake.url };
  [a, b] = await Promise.all([startEngine({ env }), startEngine({ env })]);
}, 60_000);

afterAll(async () => {
  await Promise.all([a?.stop(), b?.stop()]);
  await client?.close();
  await server?.dispose();
  await fake?.close();
});

describe("settings shared through ClickHouse", () => {
  test("a key set with the CLI is used by both engines within 5 s, without a restart", async () => {
    expect(await chat(a, "openai/gpt-4o-mini").catch((e) => e)).toBeInstanceOf(OpenAI.AuthenticationError);
    const set = await cli(["keys", "set", "openai"], KEY);
    expect(set.code).toBe(0);
    const started = Date.now();
    for (const e of [a, b])
      await eventually(
        () =>
          chat(e, "openai/gpt-4o-mini").then(
            () => true,
            () => false,
          ),
        WITHIN_MS,
        "the shared key",
      );
    expect(Date.now() - started).toBeLessThan(WITHIN_MS);
    expect(fake.requests.at(-1)!.headers.authorization).toBe(`Bearer ${KEY}`);
    const list = await cli(["keys", "list", "--json"]);
    expect(list.stdout).toContain('{"provider":"openai","key":"sk-…Lp2v","source":"clickhouse"}');
  });

  test("an alias made on one engine's API is routed by the other within 5 s", async () => {
    const res = await fetch(`${a.url}/api/settings/aliases/team-smart`, {
      method: "PUT",
      headers: CSRF,
      body: JSON.stringify({ targets: ["openai/gpt-4o-mini"] }),
    });
    expect(res.status).toBe(201);
    const answer: any = await eventually(() => chat(b, "team-smart").catch(() => false), WITHIN_MS, "the shared alias on engine b");
    expect(answer._routing).toMatchObject({ alias: "team-smart", selected_model: "openai/gpt-4o-mini" });
    expect(b.stderr()).toContain("settings reloaded: alias team-smart added");
    expect((await cli(["alias", "list", "--json"])).stdout).toContain('"name":"team-smart"');
  });

  test("the key is nowhere in ClickHouse (any table, any statement it received), in any home or in the logs", async () => {
    const text = KEY.slice(3);
    expect(await everything("shared_settings")).not.toContain(text);
    expect(await everything("shared_settings")).toContain("ots1.");
    const statements = readFileSync(join(server.dir, "query_log.sql"), "utf8");
    expect(statements).toContain("INSERT INTO `shared_settings`.`settings`");
    expect(statements).not.toContain(text);
    for (const home of [cliHome, a.home, b.home]) {
      for (const f of readdirSync(home, { recursive: true }) as string[]) {
        const path = join(home, f);
        if (statSync(path).isFile()) expect({ path, leaked: readFileSync(path, "latin1").includes(text) }).toEqual({ path, leaked: false });
      }
    }
    expect(a.stderr() + b.stderr()).not.toContain(text);
  });

  test("a sealed key copied onto another provider's row does not open: the engine says so and keeps its last good keys", async () => {
    const rows = (await (
      await client.query({
        query: "SELECT value FROM shared_settings.settings WHERE name = 'openai_api_key' ORDER BY version DESC LIMIT 1",
        format: "JSONEachRow",
      })
    ).json()) as { value: string }[];
    const refused = a.waitForLog(/secret\/groq_api_key does not open/, WITHIN_MS);
    await client.command({
      query: `INSERT INTO shared_settings.settings (kind, name, value, deleted, version, updated_by) VALUES ('secret', 'groq_api_key', '${rows[0]!.value}', 0, ${Date.now() * 1000}, 'attacker')`,
    });
    expect(await refused).toContain("keeping the last good settings");
    // The last good settings still serve.
    expect((await chat(a, "openai/gpt-4o-mini")).choices[0]!.message.content).toContain("hi");
    await client.command({
      query: `INSERT INTO shared_settings.settings (kind, name, value, deleted, version, updated_by) VALUES ('secret', 'groq_api_key', '', 1, ${Date.now() * 1000 + 1}, 'cleanup')`,
    });
  });

  test("an engine with another master key names both key ids and sends nothing upstream", async () => {
    const wrong = await startEngine({
      env: { OPENTRACY_CLICKHOUSE_URL: url, OPENTRACY_MASTER_KEY: Buffer.alloc(32, 7).toString("base64"), OPENAI_BASE_URL: fake.url },
    });
    try {
      expect(wrong.stderr()).toMatch(/secret\/openai_api_key was sealed under master key [0-9a-f]{8}, but this engine's master key is [0-9a-f]{8}/);
      const before = fake.requests.length;
      expect(await chat(wrong, "openai/gpt-4o-mini").catch((e) => e)).toBeInstanceOf(OpenAI.AuthenticationError);
      expect(fake.requests.length).toBe(before);
    } finally {
      await wrong.stop();
    }
  });

  test("rotation under OPENTRACY_MASTER_KEY re-seals the shared keys; both engines keep serving", async () => {
    const next = Buffer.alloc(32, 43).toString("base64");
    const r = await runCli(["keys", "rotate-master"], {
      home: cliHome,
      env: { OPENTRACY_CLICKHOUSE_URL: url, OPENTRACY_MASTER_KEY: next, OPENTRACY_MASTER_KEY_PREVIOUS: MASTER },
    });
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^sealed 1 secret again under master key/m);
    // The running engines have the old key only: they keep their last good copy and say why.
    await a.waitForLog(/was sealed under master key [0-9a-f]{8}, but this engine's master key is/, WITHIN_MS);
    expect((await chat(a, "openai/gpt-4o-mini")).choices[0]!.message.content).toContain("hi");
    const list = await cli(["keys", "list", "--json"], undefined, next);
    expect(list.stdout).toContain('"source":"clickhouse"');
    // Put the old key back for the tests after this one.
    const back = await runCli(["keys", "rotate-master"], {
      home: cliHome,
      env: { OPENTRACY_CLICKHOUSE_URL: url, OPENTRACY_MASTER_KEY: MASTER, OPENTRACY_MASTER_KEY_PREVIOUS: next },
    });
    expect(back.code).toBe(0);
  });

  test("ClickHouse down: both engines serve from their last good copy, say so once, and pick up changes when it is back", async () => {
    const down = a.waitForLog(/shared settings in .* cannot be read/, WITHIN_MS);
    await server.stop();
    await down;
    expect(a.stderr()).not.toContain(server.password);
    const answer: any = await chat(a, "team-smart");
    expect(answer._routing.selected_model).toBe("openai/gpt-4o-mini");
    const back = a.waitForLog(/shared settings in .* are reachable again/, 10_000);
    await server.restart();
    await back;
  }, 30_000);

  test("a token made with the CLI is accepted by both engines within 5 s, and its revocation too", async () => {
    const made = await cli(["tokens", "create", "--name", "team", "--admin"]);
    expect(made.code).toBe(0);
    const token = made.stdout.trim();
    for (const e of [a, b])
      await eventually(
        () =>
          chat(e, "openai/gpt-4o-mini", "wrong").then(
            () => false,
            (err) => err instanceof OpenAI.AuthenticationError,
          ),
        WITHIN_MS,
        "tokens required",
      );
    expect((await chat(b, "openai/gpt-4o-mini", token)).choices[0]!.message.content).toContain("hi");
    const audit: any = await (await fetch(`${b.url}/api/settings/audit`, { headers: { authorization: `Bearer ${token}` } })).json();
    expect(audit.data.map((e: any) => `${e.action} ${e.target}`)).toEqual(
      expect.arrayContaining(["token.create team", "alias.set team-smart", "key.set openai"]),
    );
    expect(JSON.stringify(audit)).not.toContain(KEY.slice(3));
    // A second token keeps the engines closed: with none left, a loopback engine is open again.
    const keep = (await cli(["tokens", "create", "--name", "keep"])).stdout.trim();
    expect((await cli(["tokens", "revoke", "team"])).code).toBe(0);
    await eventually(
      () =>
        chat(a, "openai/gpt-4o-mini", token).then(
          () => false,
          (err) => err instanceof OpenAI.AuthenticationError,
        ),
      WITHIN_MS,
      "the revocation",
    );
    expect((await chat(a, "openai/gpt-4o-mini", keep)).choices[0]!.message.content).toContain("hi");
  });
});
