import { afterEach, describe, expect, test } from "bun:test";
import chalk from "chalk";
import { cleanup, render } from "ink-testing-library";
import { LiveTail, TailView } from "../../../src/cli/tail/view.tsx";
import { addToTotals, NO_TOTALS } from "../../../src/cli/tail/format.ts";
import type { TraceRecord } from "../../../src/traces/record.ts";
import { makeErrorTrace, makeTrace } from "../../helpers/trace-factory.ts";

afterEach(() => cleanup());

const totalsOf = (rows: TraceRecord[]) => rows.reduce(addToTotals, NO_TOTALS);

/** Cells on screen: what the terminal would wrap on, colour codes excluded. */
const widthOf = (line: string) => Bun.stringWidth(line);

/**
 * ink-testing-library's terminal is 100 columns wide; ink cuts every line at the terminal's
 * width, so a test of another width gives the fake terminal that width, as a resize would.
 */
function resize(app: ReturnType<typeof render>, columns: number): void {
  Object.defineProperty(app.stdout, "columns", { configurable: true, get: () => columns });
  app.stdout.emit("resize");
}

function frame(instance: { lastFrame: () => string | undefined }): string {
  return instance.lastFrame() ?? "";
}

/** Resolves once `cond` holds: ink renders asynchronously, so tests wait for the frame they expect. */
async function until(cond: () => boolean, ms = 3000): Promise<void> {
  const deadline = performance.now() + ms;
  while (!cond()) {
    if (performance.now() > deadline) throw new Error("frame never matched");
    await new Promise((r) => setTimeout(r, 5));
  }
}

/** A feed the test pushes records into, like the follower does when traces arrive. */
function manualFeed() {
  const queue: TraceRecord[] = [];
  let wake: (() => void) | null = null;
  let closed = false;
  const feed: AsyncIterable<TraceRecord> = {
    async *[Symbol.asyncIterator]() {
      while (!closed) {
        if (queue.length === 0) await new Promise<void>((r) => (wake = r));
        while (queue.length > 0) yield queue.shift()!;
      }
    },
  };
  return {
    feed,
    push(...records: TraceRecord[]) {
      queue.push(...records);
      wake?.();
    },
    close() {
      closed = true;
      wake?.();
    },
  };
}

describe("TailView", () => {
  const ok = makeTrace({ ts_start: "2025-03-01T12:00:00.000Z", input_tokens: 1200, output_tokens: 345, cost_usd: 0.00423456789, latency_ms: 812.4 });
  const aliased = makeTrace({ alias: "smart", requested_model: "smart", selected_model: "anthropic/claude-haiku", provider: "anthropic" });
  const failed = makeErrorTrace({ http_status: 503, error_message: "The server is overloaded" });
  const unpriced = makeTrace({ requested_model: "ollama/llama3", selected_model: "ollama/llama3", provider: "ollama", cost_usd: null });
  const rows = [ok, aliased, failed, unpriced];

  test("shows one row per trace with every column, newest at the bottom", () => {
    const out = frame(render(<TailView rows={rows} totals={totalsOf(rows)} following columns={100} height={30} />));
    const lines = out.split("\n");
    expect(lines[1]).toMatch(/time\s+model\s+provider\s+status\s+latency\s+tokens in\/out\s+cost/);
    const [first, second, third, fourth] = lines.slice(2, 6);

    const hh = String(new Date(ok.ts_start).getHours()).padStart(2, "0");
    expect(first).toStartWith(`${hh}:00:00`);
    expect(first).toContain("openai/gpt-4o-mini");
    expect(first).toContain("openai");
    expect(first).toContain("ok");
    expect(first).toContain("812 ms");
    expect(first).toContain("1.2k/345");
    expect(first).toContain("$0.0042");

    expect(second).toContain("anthropic/claude-haiku (smart)");
    expect(second).toContain("anthropic");
    expect(third).toMatch(/error 503\s+420 ms\s+The server is overloaded$/);
    expect(fourth).toContain("ollama/llama3");
    expect(fourth).toMatch(/—$/);
  });

  test("totals count requests, errors and the cost of priced traces; only successful calls count as unpriced", () => {
    const out = frame(render(<TailView rows={rows} totals={totalsOf(rows)} following columns={120} height={30} />));
    const expected = ok.cost_usd! + aliased.cost_usd!;
    expect(out.split("\n")[0]).toContain(`4 requests · 1 error · total cost $${expected.toFixed(4)} (1 without a known price)`);
    expect(out).toContain("following · q to quit");
  });

  test("colours the status: ok green, error red", () => {
    const level = chalk.level;
    chalk.level = 1;
    try {
      const out = frame(render(<TailView rows={[ok, failed]} totals={totalsOf([ok, failed])} following columns={100} height={30} />));
      expect(out).toContain(chalk.green("ok"));
      expect(out).toContain(chalk.red("error 503"));
    } finally {
      chalk.level = level;
    }
  });

  test("draws only the newest rows that fit the terminal height", () => {
    const many = Array.from({ length: 30 }, (_, i) => makeTrace({ latency_ms: 100 + i }));
    const out = frame(render(<TailView rows={many} totals={totalsOf(many)} following columns={100} height={10} />));
    expect(out.split("\n").length).toBeLessThan(10);
    expect(out).toContain("129 ms");
    expect(out).toContain("123 ms");
    expect(out).not.toContain("122 ms");
    expect(out).toContain("30 requests");
  });

  test("says so when there is nothing yet", () => {
    const out = frame(render(<TailView rows={[]} totals={NO_TOTALS} following columns={100} height={30} />));
    expect(out).toContain("0 requests · 0 errors · total cost $0");
    expect(out).toContain("no traces yet");
  });
});

describe("TailView at the terminal's width", () => {
  const long = makeTrace({
    alias: "smart",
    requested_model: "smart",
    selected_model: "anthropic/claude-sonnet-4-5-20250929",
    provider: "anthropic",
    input_tokens: 12_345,
    output_tokens: 678,
    cost_usd: 0.0472,
    latency_ms: 2345,
  });
  const denied = makeErrorTrace({
    selected_model: "openai/gpt-4o",
    requested_model: "openai/gpt-4o",
    http_status: 401,
    error_type: "authentication_error",
    error_message: "Incorrect API key provided: sk-…abcd. You can find your API key at https://platform.openai.com/account/api-keys.",
  });
  const unpriced = makeTrace({ selected_model: "ollama/llama3", requested_model: "ollama/llama3", provider: "ollama", cost_usd: null });
  const rows = [long, denied, unpriced];
  const many = Array.from({ length: 1234 }, (_, i) => (i % 10 === 0 ? makeErrorTrace() : makeTrace({ cost_usd: i % 7 === 0 ? null : 0.01 })));
  const draw = (columns: number, r = rows) => frame(render(<TailView rows={r} totals={totalsOf(r)} following columns={columns} height={30} />));

  for (const columns of [80, 200]) {
    test(`${columns} columns: no line wider than the terminal, the model whole, the error message shown`, () => {
      const out = draw(columns);
      const lines = out.split("\n");
      for (const l of lines) expect(widthOf(l)).toBeLessThanOrEqual(columns);
      const [longRow, deniedRow] = lines.slice(2);
      expect(longRow).toContain("anthropic/claude-sonnet-4-5-20250929 (smart)");
      expect(longRow).toContain("$0.047");
      expect(deniedRow).toContain("openai/gpt-4o");
      expect(deniedRow).toContain("error 401");
      expect(deniedRow).toContain("Incorrect API key");
      // The header does not count the failed call as one without a price.
      expect(lines[0]).toContain("(1 without a known price)");
      expect(lines[0]).toContain("q to quit");
    });
  }

  test("80 columns: the least useful columns go, the message is cut with an ellipsis", () => {
    const lines = draw(80).split("\n");
    expect(lines[1]).not.toContain("provider");
    expect(lines[1]).toMatch(/model\s+status/);
    expect(lines[3]).toEndWith("…");
    expect(widthOf(lines[3])).toBe(80);
  });

  test("200 columns: every column, the whole message, people's numbers", () => {
    const lines = draw(200).split("\n");
    expect(lines[1]).toMatch(/time\s+model\s+provider\s+status\s+latency\s+tokens in\/out\s+cost/);
    expect(lines[2]).toMatch(/anthropic\s+ok\s+2\.3 s\s+12k\/678\s+\$0\.047/);
    expect(lines[3]).toContain(denied.error_message!);
  });

  test("the totals line shortens rather than being cut at 80 columns", () => {
    const line = draw(80, many).split("\n")[0];
    expect(widthOf(line)).toBeLessThanOrEqual(80);
    expect(line).toMatch(/^1234 requests · 124 errors · \$\d+\.\d\d \(\+\d+ unpriced\) {2}q to quit$/);
  });

  test("a very narrow terminal still gets lines that fit", () => {
    for (const l of draw(30).split("\n")) expect(widthOf(l)).toBeLessThanOrEqual(30);
  });
});

describe("LiveTail", () => {
  test("adds arriving traces at the bottom and keeps the totals running", async () => {
    const history = [makeTrace({ latency_ms: 111 })];
    const f = manualFeed();
    const app = render(<LiveTail initial={history} feed={f.feed} height={30} />);
    expect(frame(app)).toContain("1 request · 0 errors");

    f.push(makeErrorTrace({ latency_ms: 222, http_status: 429 }), makeTrace({ latency_ms: 333, cost_usd: null }));
    await until(() => frame(app).includes("333 ms"));
    const lines = frame(app).split("\n");
    expect(lines[0]).toContain("3 requests · 1 error");
    expect(lines.findIndex((l) => l.includes("111 ms"))).toBeLessThan(lines.findIndex((l) => l.includes("222 ms")));
    expect(lines.findIndex((l) => l.includes("222 ms"))).toBeLessThan(lines.findIndex((l) => l.includes("333 ms")));
    expect(frame(app)).toContain("error 429");
    f.close();
  });

  test("totals cover every trace shown even after old rows scroll away", async () => {
    const f = manualFeed();
    const app = render(<LiveTail initial={[]} feed={f.feed} height={8} />);
    // Latencies 0-899 ms then again from 0: the last five rows are 195-199 ms.
    f.push(...Array.from({ length: 1100 }, (_, i) => makeTrace({ latency_ms: i % 900, cost_usd: 0.001 })));
    await until(() => frame(app).includes("1100 requests"));
    expect(frame(app)).toContain("1100 requests · 0 errors · total cost $1.10");
    expect(frame(app)).toContain(" 199 ms");
    expect(frame(app)).not.toContain(" 194 ms");
    f.close();
  });

  test("q quits", async () => {
    const f = manualFeed();
    const app = render(<LiveTail initial={[makeTrace({ latency_ms: 1 })]} feed={f.feed} height={30} />);
    f.push(makeTrace({ latency_ms: 2 }));
    await until(() => frame(app).includes("2 ms"));
    app.stdin.write("q");
    // Unmounting clears the live area: an empty last frame is the app having quit.
    await until(() => frame(app).trim() === "");
    f.close();
  });

  test("other keys do not quit", async () => {
    const f = manualFeed();
    const app = render(<LiveTail initial={[]} feed={f.feed} height={30} />);
    app.stdin.write("x");
    f.push(makeTrace({ latency_ms: 3 }));
    await until(() => frame(app).includes("3 ms"));
    f.close();
  });

  test("without a feed it draws the history once, without the following hint, and quits", () => {
    const app = render(<LiveTail initial={[makeTrace({ latency_ms: 5 })]} feed={null} height={30} />);
    // Quitting clears the live area, so the table is the last frame with content.
    const drawn = app.frames.filter((f) => f.trim() !== "").at(-1) ?? "";
    expect(drawn).toContain("5 ms");
    expect(drawn).not.toContain("following");
    expect(frame(app).trim()).toBe("");
  });
});

describe("LiveTail across a resize", () => {
  test("drawn at 200 columns, then at 80: the new frame's lines all fit in 80", async () => {
    const rows = [
      makeTrace({ alias: "smart", requested_model: "smart", selected_model: "anthropic/claude-sonnet-4-5-20250929", provider: "anthropic" }),
      makeErrorTrace({ http_status: 401, error_message: "Incorrect API key provided: sk-…abcd. You can find your API key at https://platform.openai.com." }),
    ];
    const f = manualFeed();
    const app = render(<LiveTail initial={rows} feed={f.feed} height={30} />);
    resize(app, 200);
    await until(() => frame(app).includes("platform.openai.com"));
    expect(Math.max(...frame(app).split("\n").map(widthOf))).toBeGreaterThan(80);

    resize(app, 80);
    await until(() => !frame(app).includes("platform.openai.com"));
    const lines = frame(app).split("\n");
    for (const l of lines) expect(widthOf(l)).toBeLessThanOrEqual(80);
    expect(lines.find((l) => l.includes("anthropic/claude-sonnet-4-5-20250929 (smart)"))).toBeDefined();
    expect(lines.find((l) => l.includes("error 401"))).toContain("Incorrect API key");
    f.close();
  });
});
