#!/usr/bin/env bun
/**
 * Writes N synthetic traces into a store, for measuring the UI's queries on a realistic volume
 * (targets: 1,000,000 in ClickHouse, 200,000 locally). The traces are spread evenly over the
 * last `--days` days, across a few models, providers, tokens, users, sessions and tags, with 5 %
 * errors; the same --seed gives the same traces.
 *
 *   bun scripts/seed-traces.ts --count 200000 --home ~/.opentracy      (local store + index)
 *   bun scripts/seed-traces.ts --count 1000000 --clickhouse http://localhost:8123/opentracy
 */
import { join } from "node:path";
import { parseArgs } from "node:util";
import type { ClickHouseClient } from "@clickhouse/client";
import { TraceBatch } from "../src/traces/batch.ts";
import { createTraceClient } from "../src/traces/clickhouse/client.ts";
import { migrate } from "../src/traces/clickhouse/migrate.ts";
import { toRow } from "../src/traces/clickhouse/rows.ts";
import { TABLE } from "../src/traces/clickhouse/schema.ts";
import { qualified } from "../src/traces/clickhouse/sql.ts";
import { parseClickHouseUrl } from "../src/traces/clickhouse/url.ts";
import { FileSink } from "../src/traces/file-sink.ts";
import { LocalIndex } from "../src/traces/local-index/index.ts";
import type { TraceRecord } from "../src/traces/record.ts";

const MODELS = [
  ["openai", "gpt-4o-mini", 0.00000015, 0.0000006],
  ["openai", "gpt-4o", 0.0000025, 0.00001],
  ["anthropic", "claude-sonnet-4-5", 0.000003, 0.000015],
  ["groq", "llama-3.3-70b-versatile", 0.00000059, 0.00000079],
] as const;
const WORDS = ["invoice", "weather", "refund", "poem", "summary", "translate", "schedule", "bug", "recipe", "contract"];

/** mulberry32: small, fast, and the same sequence on every machine. */
function random(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export interface SeedOptions {
  count: number;
  /** The traces end at this time (epoch ms) and go back `days`. */
  endMs?: number;
  days?: number;
  seed?: number;
}

/** The i-th of `count` synthetic traces, oldest first. */
export function* syntheticTraces(opts: SeedOptions): Generator<TraceRecord> {
  const { count, endMs = Date.now(), days = 30, seed = 1 } = opts;
  const rnd = random(seed);
  const pick = <T>(xs: readonly T[]) => xs[Math.floor(rnd() * xs.length)];
  const span = days * 86_400_000;
  for (let i = 0; i < count; i++) {
    const start = Math.floor(endMs - span + ((i + 1) * span) / count) - 1;
    const [provider, model, inPrice, outPrice] = pick(MODELS);
    const failed = rnd() < 0.05;
    const latency = Math.round(200 + rnd() * rnd() * 5000);
    const input = 20 + Math.floor(rnd() * 2000);
    const output = failed ? null : 10 + Math.floor(rnd() * 800);
    const word = pick(WORDS);
    const selected = `${provider}/${model}`;
    const alias = rnd() < 0.3 ? "smart" : null;
    // A third of the calls reuse a cached prompt prefix (half the prompt), read at half the input price.
    const cached = failed ? null : rnd() < 0.33 ? Math.floor(input / 2) : 0;
    yield {
      id: `seed-${seed}-${String(i).padStart(9, "0")}`,
      api: "chat",
      ts_start: new Date(start).toISOString(),
      ts_first_byte: failed ? null : new Date(start + Math.round(latency / 3)).toISOString(),
      ts_end: new Date(start + latency).toISOString(),
      alias,
      token_name: pick(["ci-bot", "web", "ops", null]),
      user: rnd() < 0.8 ? `user-${Math.floor(rnd() * 500)}` : null,
      session_id: rnd() < 0.5 ? `session-${Math.floor(rnd() * 5000)}` : null,
      traceparent: null,
      response_id: null,
      tags: rnd() < 0.6 ? { env: pick(["prod", "staging"]), feature: word } : {},
      requested_model: alias ?? selected,
      selected_model: selected,
      provider,
      status: failed ? "error" : "ok",
      http_status: failed ? 429 : 200,
      error_type: failed ? "rate_limit_error" : null,
      error_message: failed ? "Rate limit reached" : null,
      stream: rnd() < 0.5,
      input_tokens: failed ? null : input,
      output_tokens: output,
      cached_tokens: cached,
      reasoning_tokens: null,
      cost_usd: failed || output === null ? null : (input - (cached ?? 0) / 2) * inPrice + output * outPrice,
      latency_ms: latency,
      ttft_ms: failed ? null : Math.round(latency / 3),
      finish_reason: failed ? null : "stop",
      tool_calls: 0,
      attempts: [
        {
          model: selected,
          provider,
          status: failed ? 429 : 200,
          error_type: failed ? "rate_limit_error" : null,
          latency_ms: latency,
          start_ms: 0,
          kind: "first",
        },
      ],
      request: [{ role: "user", content: `Please help with this ${word} (#${i}).` }],
      request_params: null,
      response: failed ? null : { role: "assistant", content: `Here is the ${word} you asked for.` },
    };
  }
}

const BATCH = 5000;

function* batches(opts: SeedOptions): Generator<TraceRecord[]> {
  let batch: TraceRecord[] = [];
  for (const r of syntheticTraces(opts)) {
    batch.push(r);
    if (batch.length === BATCH) {
      yield batch;
      batch = [];
    }
  }
  if (batch.length) yield batch;
}

/** Into OPENTRACY_HOME/traces: the JSON lines as the engine writes them, then their index. */
export async function seedLocal(tracesDir: string, opts: SeedOptions): Promise<number> {
  const sink = new FileSink(tracesDir);
  let n = 0;
  for (const batch of batches(opts)) {
    await sink.write(new TraceBatch(batch));
    n += batch.length;
  }
  await sink.close();
  // Indexed now, as the first look from the UI would, so a timing of the queries measures queries.
  const index = new LocalIndex(tracesDir);
  await index.refresh();
  index.close();
  return n;
}

/** Into a ClickHouse database, migrated first. */
export async function seedClickHouse(client: ClickHouseClient, database: string, opts: SeedOptions): Promise<number> {
  await migrate(client, database, { engineVersion: "seed" });
  let n = 0;
  for (const batch of batches(opts)) {
    await client.insert({ table: qualified(database, TABLE.traces), values: batch.map((r) => toRow(r, `seed-${n}`)), format: "JSONEachRow" });
    n += batch.length;
  }
  return n;
}

if (import.meta.main) {
  const { values } = parseArgs({
    options: {
      count: { type: "string", default: "1000" },
      days: { type: "string", default: "30" },
      seed: { type: "string", default: "1" },
      home: { type: "string" },
      clickhouse: { type: "string" },
    },
  });
  const opts: SeedOptions = { count: Number(values.count), days: Number(values.days), seed: Number(values.seed) };
  const t0 = performance.now();
  let n: number;
  if (values.clickhouse) {
    const target = parseClickHouseUrl(values.clickhouse);
    const client = await createTraceClient(target, { timeoutMs: 300_000 });
    n = await seedClickHouse(client, target.database, opts);
    await client.close();
  } else {
    const home = values.home ?? process.env.OPENTRACY_HOME;
    if (!home) throw new Error("--home or OPENTRACY_HOME: which store to seed");
    n = await seedLocal(join(home, "traces"), opts);
  }
  console.log(`seeded ${n} traces in ${Math.round(performance.now() - t0)} ms`);
}
