import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { startFakeOpenAI, type FakeOpenAI } from "../fakes/openai-upstream.ts";
import { eventually, startServer, type RunningServer } from "../helpers/clickhouse.ts";
import { runCli, tempHome } from "../helpers/cli.ts";
import { startEngine, type RunningEngine } from "../helpers/engine.ts";

// Two engines on one ClickHouse: a token's spend on one reaches the other's budget check at its
// next refresh from ClickHouse (shortened here).
let server: RunningServer;
let fake: FakeOpenAI;
let a: RunningEngine;
let b: RunningEngine;
let url: string;
let token: string;
const home = tempHome();

const chat = (e: RunningEngine) =>
  fetch(`${e.baseURL}/chat/completions`, {
    method: "POST",
    headers: { authorization: `Bearer ${token}`, "content-type": "application/json" },
    body: JSON.stringify({ model: "openai/gpt-4o-mini", messages: [{ role: "user", content: "hello" }] }),
  });

beforeAll(async () => {
  server = await startServer();
  fake = await startFakeOpenAI();
  url = `${server.url}/budgets_shared`;
  const env = { OPENTRACY_CLICKHOUSE_URL: url, OPENAI_BASE_URL: fake.url, OPENAI_API_KEY: fake.apiKey, OPENTRACY_SPEND_REFRESH_MS: "200" };
  // The CLI writes the token to the shared tables (and creates them).
  const made = await runCli(["tokens", "create", "--name", "team", "--budget-total", "0.000000001"], { home, env });
  expect(made.code).toBe(0);
  token = made.stdout.trim();
  [a, b] = await Promise.all([startEngine({ env }), startEngine({ env })]);
}, 60_000);

afterAll(async () => {
  await Promise.all([a?.stop(), b?.stop()]);
  await server?.dispose();
  await fake?.close();
});

describe("budgets across engines on one ClickHouse", () => {
  test("spend on one engine is refused on the other after a refresh", async () => {
    const first = await chat(a);
    expect(first.status).toBe(200);
    // Engine b never served this token: only ClickHouse can tell it the spend. Its gauge shows
    // what its ledger holds without spending anything.
    await eventually(
      async () => {
        const text = await (await fetch(`${b.url}/metrics`, { headers: { authorization: `Bearer ${token}` } })).text();
        const line = text.split("\n").find((l) => l.startsWith('opentracy_token_budget_ratio{token="team",period="total"}'));
        return line !== undefined && Number(line.split(" ").at(-1)) >= 1;
      },
      15_000,
      "engine b's ledger taking in engine a's spend",
    );
    const upstream = fake.requests.length;
    const res = await chat(b);
    expect(res.status).toBe(429);
    expect(fake.requests.length).toBe(upstream);
    const refused: any = await res.json();
    expect(refused.error.code).toBe("insufficient_quota");
    expect(refused.error.message).toContain("total budget");
  });
});
