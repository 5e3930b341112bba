import { afterEach, describe, expect, test } from "bun:test";
import chalk from "chalk";
import { cleanup, render } from "ink-testing-library";
import { LiveTail, TailView } from "../../../src/cli/tail/view.tsx";
import { addToTotals, NO_TOTALS } from "../../../src/cli/tail/format.ts";
import type { TraceRecord } from "../../../src/traces/record.ts";
import { makeErrorTrace, makeTrace } from "../../helpers/trace-factory.ts";

afterEach(() => cleanup());

const totalsOf = (rows: TraceRecord[]) => rows.reduce(addToTotals, NO_TOTALS);

function frame(instance: { lastFrame: () => string | undefined }): string {
  return instance.lastFrame() ?? "";
}

/** Resolves once `cond` holds: ink renders asynchronously, so tests wait for the frame they expect. */
async function until(cond: () => boolean, ms = 3000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > deadline) throw new Error("frame never matched");
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
  const ok = makeTrace({ ts_start: "2025-03-01T12:00:00.000Z", input_tokens: 1200, output_tokens: 345, cost_usd: 0.00123456789, latency_ms: 812.4 });
  const aliased = makeTrace({ alias: "smart", requested_model: "smart", selected_model: "anthropic/claude-haiku", provider: "anthropic" });
  const failed = makeErrorTrace({ http_status: 503 });
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
    expect(first).toContain("1200/345");
    expect(first).toContain("$0.00123457");

    expect(second).toContain("anthropic/claude-haiku (smart)");
    expect(second).toContain("anthropic");
    expect(third).toContain("error 503");
    expect(third).toMatch(/—\s+—$/);
    expect(fourth).toContain("ollama/llama3");
    expect(fourth).toMatch(/—$/);
  });

  test("totals count requests, errors and the cost of priced traces", () => {
    const out = frame(render(<TailView rows={rows} totals={totalsOf(rows)} following columns={100} height={30} />));
    const expected = ok.cost_usd! + aliased.cost_usd!;
    expect(out.split("\n")[0]).toContain(`4 requests · 1 error · total cost $${Number(expected.toPrecision(6))}`);
    expect(out).toContain("2 without a known price");
    expect(out).toContain("q to quit");
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
    const many = Array.from({ length: 30 }, (_, i) => makeTrace({ latency_ms: 1000 + i }));
    const out = frame(render(<TailView rows={many} totals={totalsOf(many)} following columns={100} height={10} />));
    expect(out.split("\n").length).toBeLessThan(10);
    expect(out).toContain("1029 ms");
    expect(out).toContain("1023 ms");
    expect(out).not.toContain("1022 ms");
    expect(out).toContain("30 requests");
  });

  test("says so when there is nothing yet", () => {
    const out = frame(render(<TailView rows={[]} totals={NO_TOTALS} following columns={100} height={30} />));
    expect(out).toContain("0 requests · 0 errors · total cost $0");
    expect(out).toContain("no traces yet");
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
    f.push(...Array.from({ length: 1100 }, (_, i) => makeTrace({ latency_ms: i, cost_usd: 0.001 })));
    await until(() => frame(app).includes("1099 ms"));
    expect(frame(app)).toContain("1100 requests · 0 errors · total cost $1.1");
    expect(frame(app)).not.toContain(" 1094 ms");
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
