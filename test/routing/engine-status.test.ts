import { describe, expect, test } from "bun:test";
import { Config } from "../../src/config/schema.ts";
import { aliasViews, sinkView } from "../../src/routing/engine-status.ts";
import { TargetHealth } from "../../src/routing/health.ts";

describe("aliasViews", () => {
  test("each alias's targets in order, with their weight, health now, and whether their provider has a key", () => {
    const { aliases } = Config.parse({
      aliases: {
        smart: { targets: ["openai/gpt-4o", "anthropic/claude-sonnet-4-5", "cheap"] },
        cheap: { strategy: "weighted", targets: [{ model: "groq/llama-3.3-70b-versatile", weight: 3 }, { model: "openai/gpt-4o-mini" }] },
      },
    });
    const health = new TargetHealth(() => ({ failures: 2, period_ms: 60_000 }), null, { now: () => Date.now(), wall: (t) => t });
    health.failure("openai/gpt-4o", "Overloaded", Date.parse("2026-03-10T12:00:00Z"));
    health.failure("openai/gpt-4o", "Overloaded", Date.parse("2026-03-10T12:00:00Z"));
    health.failure("groq/llama-3.3-70b-versatile", "HTTP 500");
    const now = Date.parse("2026-03-10T12:00:30Z");
    const views = aliasViews(aliases, (ref) => health.state(ref, now), new Set(["openai", "groq"]));
    expect(views.map((v) => [v.name, v.strategy])).toEqual([
      ["smart", "fallback"],
      ["cheap", "weighted"],
    ]);
    expect(views[0]!.targets).toEqual([
      {
        ref: "openai/gpt-4o",
        weight: null,
        alias: false,
        callable: true,
        state: "cooling_down",
        consecutive_failures: 2,
        cooling_until: "2026-03-10T12:01:00.000Z",
        last_error: "Overloaded",
      },
      {
        ref: "anthropic/claude-sonnet-4-5",
        weight: null,
        alias: false,
        callable: false,
        state: "ok",
        consecutive_failures: 0,
        cooling_until: null,
        last_error: null,
      },
      { ref: "cheap", weight: null, alias: true, callable: true, state: "ok", consecutive_failures: 0, cooling_until: null, last_error: null },
    ]);
    expect(views[1]!.targets.map((t) => [t.ref, t.weight, t.state, t.consecutive_failures])).toEqual([
      ["groq/llama-3.3-70b-versatile", 3, "ok", 1],
      ["openai/gpt-4o-mini", null, "ok", 0],
    ]);
  });
});

describe("sinkView", () => {
  test("the local store is ok, or failing while its writes are retried; its error only for an admin", () => {
    const failing = { sink: "file", queued: 12, written: 3, dropped: 0, failing: true, last_error: "ENOSPC: no space left on device" };
    expect(sinkView({ ...failing, failing: false, last_error: null }, true)).toEqual({
      sink: "file",
      state: "ok",
      queued: 12,
      written: 3,
      dropped: 0,
      spooled_rows: null,
      last_error: null,
    });
    expect(sinkView(failing, true)).toMatchObject({ state: "failing", last_error: "ENOSPC: no space left on device" });
    expect(sinkView(failing, false)).toMatchObject({ state: "failing", last_error: null });
  });

  test("ClickHouse says its own state and what waits in the spool; the URL never comes along", () => {
    const v = sinkView(
      {
        sink: "clickhouse",
        queued: 0,
        written: 90,
        dropped: 0,
        failing: false,
        url: "http://u:***@ch:8123/db",
        state: "down",
        spooled_rows: 40,
        last_error: "ECONNREFUSED",
      },
      true,
    );
    expect(v).toEqual({ sink: "clickhouse", state: "down", queued: 0, written: 90, dropped: 0, spooled_rows: 40, last_error: "ECONNREFUSED" });
  });

  test("traces off", () => {
    expect(sinkView({ sink: "off", queued: 0, written: 0, dropped: 0, failing: false }, true)).toMatchObject({ sink: "off", state: "off" });
  });
});
