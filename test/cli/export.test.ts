import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { parquetReadObjects } from "hyparquet";
import { parquetRow } from "../../src/traces/export/parquet.ts";
import { segmentName } from "../../src/traces/local-files.ts";
import type { TraceRecord } from "../../src/traces/record.ts";
import { startFakeOpenAI, type FakeOpenAI } from "../fakes/openai-upstream.ts";
import { count, eventually, startServer, uniqueDatabase, type RunningServer } from "../helpers/clickhouse.ts";
import { BIN, childEnv, ROOT, runCli, tempHome } from "../helpers/cli.ts";
import { startEngine } from "../helpers/engine.ts";
import { readTraces } from "../helpers/traces.ts";
import { SECRET, TOOLS, trafficMix } from "../helpers/traffic.ts";
import { makeErrorTrace, makeTrace, toLines } from "../helpers/trace-factory.ts";

let fake: FakeOpenAI;
beforeAll(async () => {
  fake = await startFakeOpenAI();
});
afterAll(() => fake?.close());

const engineEnv = () => ({ OPENAI_BASE_URL: fake.url, OPENAI_API_KEY: fake.apiKey });
const jsonLines = (text: string) =>
  text
    .split("\n")
    .filter((l) => l !== "")
    .map((l) => JSON.parse(l));

/** The fine-tuning examples the trafficMix traces must give: the plain answer, the stream, the tool calls. */
function expectExamples(examples: any[], traces: TraceRecord[]) {
  const [plain, streamed, tools] = traces;
  expect(examples).toHaveLength(3);
  expect(examples[0]).toEqual({ messages: [...(plain.request as any[]), { role: "assistant", content: (plain.response as any)[0].content }] });
  expect(examples[1].messages.at(-1)).toEqual({ role: "assistant", content: (streamed.response as any)[0].content });
  expect(examples[2].tools).toEqual(TOOLS);
  expect(examples[2].messages).toEqual([
    { role: "user", content: "tools" },
    {
      role: "assistant",
      content: null,
      tool_calls: (tools.response as any)[0].tool_calls.map((c: any) => ({
        id: c.id,
        type: "function",
        function: { name: c.function.name, arguments: c.function.arguments },
      })),
    },
  ]);
  for (const c of examples[2].messages[1].tool_calls) expect(typeof c.function.arguments).toBe("string");
  expect(JSON.parse(examples[2].messages[1].tool_calls[1].function.arguments)).toEqual({ x: 1 });
}

describe("traces export, local store", () => {
  let home: string;
  let traces: TraceRecord[];
  beforeAll(async () => {
    const engine = await startEngine({ env: engineEnv() });
    await trafficMix(engine.baseURL, fake);
    expect(await engine.stop()).toBe(0);
    home = engine.home;
    traces = readTraces(home);
    expect(traces).toHaveLength(4);
  });

  test("default: OpenAI fine-tuning JSON lines of the answered calls; the failed one counted on stderr", async () => {
    const out = await runCli(["traces", "export"], { home });
    expect(out.code).toBe(0);
    expectExamples(jsonLines(out.stdout), traces);
    expect(out.stderr).toBe("exported 3, skipped 1 (1 failed)\n");
  });

  test("--format jsonl: the stored records, line for line", async () => {
    const out = await runCli(["traces", "export", "--format", "jsonl"], { home });
    expect(out.code).toBe(0);
    expect(jsonLines(out.stdout)).toEqual(traces);
    expect(out.stderr).toBe("exported 4\n");
  });

  test("--format parquet -o: a Parquet file hyparquet reads back as the records, written whole", async () => {
    const file = join(home, "out", "traces.parquet");
    mkdirSync(join(home, "out"));
    const out = await runCli(["traces", "export", "--format", "parquet", "-o", file], { home });
    expect(out.code).toBe(0);
    expect(out.stdout).toBe("");
    expect(out.stderr).toBe("exported 4\n");
    const rows = await parquetReadObjects({ file: await Bun.file(file).arrayBuffer() });
    expect(rows).toEqual(traces.map(parquetRow));
    expect(readdirSync(join(home, "out"))).toEqual(["traces.parquet"]);
  });

  test("filters: model, status, tag, api, limit, time", async () => {
    const ids = async (...args: string[]) => {
      const out = await runCli(["traces", "export", "--format", "jsonl", ...args], { home });
      expect(out.code).toBe(0);
      return jsonLines(out.stdout).map((r) => r.id);
    };
    expect(await ids("--model", "openai/gpt-4o-mini")).toEqual([traces[1].id]);
    expect(await ids("--status", "error")).toEqual([traces[3].id]);
    expect(await ids("--provider", "openai", "--limit", "2")).toEqual([traces[0].id, traces[1].id]);
    expect(await ids("--api", "embeddings")).toEqual([]);
    expect(await ids("--tag", "run=none")).toEqual([]);
    expect(await ids("--since", "1h")).toEqual(traces.map((t) => t.id));
    expect(await ids("--until", "2020-01-01")).toEqual([]);
    // The example limit counts examples, not the failed calls passed over.
    const two = await runCli(["traces", "export", "--limit", "1", "--status", "ok"], { home });
    expect(jsonLines(two.stdout)).toHaveLength(1);
    expect(two.stderr).toBe("exported 1\n");
  });

  test("bad flags: one line each, exit 1", async () => {
    for (const [args, message] of [
      [["--format", "csv"], "invalid --format 'csv': use openai, jsonl or parquet"],
      [["--since", "last week"], "invalid --since 'last week': use a duration"],
      [["--tag", "a=1", "--tag", "oops"], "invalid --tag 'oops': use key=value"],
      [["--limit", "-3"], "invalid --limit '-3'"],
      [["--since", "1d", "--until", "2d"], "--since must be before --until"],
      [["-o", "/nonexistent/dir/x.jsonl"], "cannot write /nonexistent/dir/x.jsonl: no such folder"],
    ] as const) {
      const out = await runCli(["traces", "export", ...args], { home });
      expect(out.code).toBe(1);
      expect(out.stderr).toContain(message);
      expect(out.stderr.trim().split("\n")).toHaveLength(1);
    }
  });
});

describe("traces export, seeded store", () => {
  test("skips are counted by reason; an export that fails midway leaves the target as it was", async () => {
    const home = tempHome();
    const dir = join(home, "traces");
    mkdirSync(dir, { recursive: true });
    writeFileSync(
      join(dir, segmentName("2025-03-01", 0)),
      toLines([
        makeTrace(),
        makeErrorTrace(),
        makeErrorTrace(),
        makeTrace({ request: null, response: null }),
        makeTrace({ api: "embeddings", request: ["x"], response: null }),
        makeTrace({ api: "responses", request_params: null, request: [{ role: "user", content: [{ type: "input_file" }] }] }),
      ]),
    );
    const out = await runCli(["traces", "export"], { home });
    expect(out.stderr).toBe("exported 1, skipped 5 (2 failed, 1 without content, 2 not chat messages)\n");

    // A segment that cannot be read, after one that can: the export fails once it has begun writing.
    mkdirSync(join(dir, segmentName("2025-03-02", 0)));
    const target = join(home, "train.jsonl");
    writeFileSync(target, "previous export\n");
    const failed = await runCli(["traces", "export", "-o", target], { home });
    expect(failed.code).not.toBe(0);
    expect(readFileSync(target, "utf8")).toBe("previous export\n");
    expect(readdirSync(home).filter((f) => f.includes("train"))).toEqual(["train.jsonl"]);
  });

  test("redacted traces export redacted", async () => {
    const engine = await startEngine({ env: { ...engineEnv(), OPENTRACY_TRACE_REDACT: "true" } });
    await trafficMix(engine.baseURL, fake);
    expect(await engine.stop()).toBe(0);
    for (const format of ["openai", "jsonl"]) {
      const out = await runCli(["traces", "export", "--format", format], { home: engine.home });
      expect(out.code).toBe(0);
      expect(out.stdout).toContain("[EMAIL]");
      expect(out.stdout).not.toContain("jane.doe@example.com");
      expect(out.stdout).not.toContain(SECRET);
    }
  });
});

describe("traces export, ClickHouse", () => {
  let server: RunningServer;
  let url: string;
  let home: string;
  beforeAll(async () => {
    server = await startServer();
    url = `${server.url}/${uniqueDatabase("export")}`;
    const engine = await startEngine({ env: { ...engineEnv(), OPENTRACY_CLICKHOUSE_URL: url } });
    await trafficMix(engine.baseURL, fake);
    expect(await engine.stop()).toBe(0);
    home = engine.home;
    const client = await server.client();
    await eventually(async () => (await count(client, `SELECT count() FROM \`${url.split("/").at(-1)}\`.traces`)) === 4, 15_000, "the traces in ClickHouse");
    await client.close();
  }, 60_000);
  afterAll(() => server?.dispose());

  const cli = (args: string[]) => runCli(["traces", "export", ...args], { home, env: { OPENTRACY_CLICKHOUSE_URL: url } });

  test("the same examples and records as the local store, and ClickHouse's Parquet in the same columns", async () => {
    const jsonl = await cli(["--format", "jsonl"]);
    expect(jsonl.code).toBe(0);
    const records: TraceRecord[] = jsonLines(jsonl.stdout);
    expect(records).toHaveLength(4);

    const ft = await cli([]);
    expect(ft.code).toBe(0);
    expectExamples(jsonLines(ft.stdout), records);
    expect(ft.stderr).toBe("exported 3, skipped 1 (1 failed)\n");

    const file = join(home, "ch.parquet");
    const pq = await cli(["--format", "parquet", "-o", file]);
    expect(pq.stderr).toBe("exported 4\n");
    expect(pq.code).toBe(0);
    const rows = await parquetReadObjects({ file: await Bun.file(file).arrayBuffer() });
    // ClickHouse keeps no traceparent or response_id, and neither file has them.
    expect(rows).toEqual(records.map(parquetRow));

    const errors = await cli(["--format", "jsonl", "--status", "error", "--since", "1h"]);
    expect(jsonLines(errors.stdout).map((r) => r.id)).toEqual([records[3].id]);
    // Stopping at the limit ends the result set early, and the command with it.
    const one = await cli(["--limit", "1"]);
    expect(one.code).toBe(0);
    expect(jsonLines(one.stdout)).toEqual(jsonLines(ft.stdout).slice(0, 1));
    expect(one.stderr).toBe("exported 1\n");
    const limited = await cli(["--format", "parquet", "--limit", "2", "-o", file]);
    expect(limited.stderr).toBe("exported 2\n");
    expect(await parquetReadObjects({ file: await Bun.file(file).arrayBuffer() })).toHaveLength(2);
  });

  test("an unreachable ClickHouse is one line, and no file", async () => {
    const file = join(home, "never.jsonl");
    const out = await runCli(["traces", "export", "-o", file], { home, env: { OPENTRACY_CLICKHOUSE_URL: "http://default:pw@127.0.0.1:9/x" } });
    expect(out.code).toBe(1);
    expect(out.stderr).toStartWith("error: ClickHouse at ");
    expect(out.stderr).not.toContain("pw@");
    expect(existsSync(file)).toBe(false);
    // The output is opened first: a missing folder is named, and no ClickHouse client is opened for nothing.
    const nowhere = await runCli(["traces", "export", "-o", "/nonexistent/dir/x.jsonl"], { home, env: { OPENTRACY_CLICKHOUSE_URL: "http://127.0.0.1:9/x" } });
    expect(nowhere.code).toBe(1);
    expect(nowhere.stderr).toBe("error: cannot write /nonexistent/dir/x.jsonl: no such folder\n");
  });

  test("a full disk under the export is the export's error, not ClickHouse's", async () => {
    const proc = Bun.spawn([process.execPath, BIN, "traces", "export", "--format", "jsonl"], {
      cwd: ROOT,
      env: childEnv(home, { OPENTRACY_CLICKHOUSE_URL: url }),
      stdout: Bun.file("/dev/full"),
      stderr: "pipe",
    });
    const [stderr, code] = await Promise.all([new Response(proc.stderr).text(), proc.exited]);
    expect(code).toBe(1);
    expect(stderr).toStartWith("error: cannot write to stdout: ");
    expect(stderr).toContain("ENOSPC");
    expect(stderr).not.toContain("ClickHouse");
  });
});
