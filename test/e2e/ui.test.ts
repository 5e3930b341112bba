import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { mkdirSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { readFileSync } from "node:fs";
import OpenAI from "openai";
import type { Browser, Page } from "playwright-core";
import { rateLimited, startFakeOpenAI, type FakeOpenAI } from "../fakes/openai-upstream.ts";
import { runCli, tempHome } from "../helpers/cli.ts";
import { startEngine, type RunningEngine } from "../helpers/engine.ts";
import { ms, usd } from "../../src/ui/app/format.ts";
import type { Activity, Trace, TracePage } from "../../src/ui/app/types.ts";
import { slowest } from "../../src/ui/app/rankings.ts";
import { waterfall } from "../../src/ui/app/waterfall.ts";
import { localInput } from "../../src/ui/app/activity-range.ts";
import { launchChromium, until } from "./browser.ts";

// The web UI in a real browser, against a real engine and the fake OpenAI upstream. Each page is
// also saved as a screenshot (README, "Web UI"), so a change of look shows up in review.
// Committed screenshots change only when asked (UPDATE_SCREENSHOTS=1 npm test): they hold times
// and ids, so every run would otherwise leave the checkout dirty. Other runs still take them.
const SHOTS = process.env.UPDATE_SCREENSHOTS ? join(import.meta.dir, "screenshots") : mkdtempSync(join(tmpdir(), "opentracy-shots-"));
const XSS = "<img src=x onerror=alert(1)>";
const CHECKS_PNG =
  "iVBORw0KGgoAAAANSUhEUgAAAEAAAAAoCAIAAADBrGu+AAAAVElEQVR42u3XoQ0AIAwEQBZjEebHsASwQFE1EC55+aKnPi21zTB9rDC39QsAAAAAQArwyqGnPgAAAABADmCJAQAAAPwDlhgAAADAP2CJAQAAAL4EbHoX5jy8xLnoAAAAAElFTkSuQmCC";

let fake: FakeOpenAI;
let browser: Browser;
let engine: RunningEngine;
let empty: RunningEngine;
const ids: Record<string, string> = {};
const problems: string[] = [];

async function open(path: string, base = engine.url, permissions: string[] = []): Promise<Page> {
  const page = await browser.newPage({ viewport: { width: 1280, height: 800 }, permissions });
  // A CSP violation, a script error or an alert (the XSS probe firing) fails the test at the end.
  // A 404 in the network log is expected (the unknown trace id); anything else logged as an error is not.
  page.on("console", (m) => m.type() === "error" && !m.text().includes("status of 404") && problems.push(`console: ${m.text()}`));
  page.on("pageerror", (e) => problems.push(`pageerror: ${e.message}`));
  page.on("dialog", (d) => {
    problems.push(`dialog: ${d.message()}`);
    void d.dismiss();
  });
  await page.goto(`${base}${path}`);
  return page;
}

const shot = (page: Page, name: string) => page.screenshot({ path: join(SHOTS, `${name}.png`), fullPage: true });

beforeAll(async () => {
  browser = await launchChromium();
  fake = await startFakeOpenAI();
  // A port that was just free and is now closed: the alias's first target is unreachable.
  const s = Bun.serve({ port: 0, hostname: "127.0.0.1", fetch: () => new Response() });
  const closed = `http://127.0.0.1:${s.port}/v1`;
  s.stop(true);
  const home = tempHome();
  mkdirSync(home, { recursive: true, mode: 0o700 });
  writeFileSync(
    join(home, "config.json"),
    JSON.stringify({
      aliases: {
        smart: { targets: ["groq/gpt-4o-mini", "openai/gpt-4o-mini"] },
        patient: { targets: ["openai/gpt-4o-mini"], retry: { max_attempts: 2 } },
      },
      // One failure cools a target down for the whole run: the Overview shows it.
      routing: { retry: { max_attempts: 1 }, cooldown: { failures: 1, period_ms: 600_000 } },
    }),
  );
  const env = { OPENAI_BASE_URL: fake.url, OPENAI_API_KEY: fake.apiKey, GROQ_BASE_URL: closed, GROQ_API_KEY: "gsk-test" };
  // The empty engine keeps no content: its traces show what the detail page does without a request.
  [engine, empty] = await Promise.all([startEngine({ home, env }), startEngine({ env: { ...env, OPENTRACY_TRACE_CONTENT: "false" } })]);

  const client = new OpenAI({ baseURL: engine.baseURL, apiKey: "x", maxRetries: 0 });
  const call = async (name: string, body: OpenAI.ChatCompletionCreateParamsNonStreaming) => {
    const { response } = await client.chat.completions.create(body).withResponse();
    ids[name] = response.headers.get("x-opentracy-trace-id")!;
  };
  // Most of its prompt read from the provider's cache: Activity prices what that saved.
  fake.script({ usage: { prompt_tokens: 1200, cached_tokens: 1000 } });
  await call("plain", { model: "gpt-4o-mini", messages: [{ role: "user", content: "hello from the browser test" }] });
  await call("fallback", { model: "smart", messages: [{ role: "user", content: "fall back please" }] });
  await call("tools", {
    model: "gpt-4o-mini",
    messages: [
      { role: "system", content: "You are terse." },
      { role: "assistant", content: null, tool_calls: [{ id: "call_1", type: "function", function: { name: "get_weather", arguments: '{"city":"Paris"}' } }] },
      { role: "tool", tool_call_id: "call_1", content: "18 degrees" },
      { role: "user", content: XSS },
    ],
  });
  await client.chat.completions.create({ model: "no-such-model", messages: [{ role: "user", content: "nobody serves me" }] }).catch(() => {});
  // The writer appends about 1 ms after each request; /api/ indexes what is on disk when asked.
  for (let i = 0; i < 100; i++) {
    const page = (await (await fetch(`${engine.url}/api/traces`)).json()) as { data: unknown[] };
    if (page.data.length === 4) break;
    await Bun.sleep(50);
  }
}, 60_000);

afterAll(async () => {
  await browser?.close();
  await Promise.all([engine?.stop(), empty?.stop()]);
  await fake?.close();
});

describe("web UI", () => {
  test("the page and its assets: strict CSP, gzip for the script, every route answers the page", async () => {
    const page = await fetch(`${engine.url}/traces/anything?model=x`);
    expect(page.status).toBe(200);
    expect(page.headers.get("content-security-policy")).toContain("default-src 'self'");
    const html = await page.text();
    expect(html).not.toMatch(/<script(?![^>]*\ssrc=)[^>]*>/); // no inline script
    const script = /src="(\/ui\/[^"]+\.js)"/.exec(html)![1]!;
    const js = await fetch(`${engine.url}${script}`, { headers: { "accept-encoding": "gzip" }, decompress: false });
    expect(js.headers.get("content-encoding")).toBe("gzip");
    expect(js.headers.get("cache-control")).toContain("immutable");
    expect(Number(js.headers.get("content-length"))).toBeLessThan(500 * 1024);
    expect((await fetch(`${engine.url}/ui/old-build.js`)).status).toBe(404);
    expect(engine.stderr()).toContain(`UI at ${engine.url}/`);
  });

  test("overview on an empty engine: the first call, with this engine's address", async () => {
    const page = await open("/", empty.url);
    await page.getByText("No calls yet").waitFor();
    const snippets = await page.locator("pre.snippet").allTextContents();
    expect(snippets).toHaveLength(2);
    expect(snippets[0]).toContain(`curl ${empty.url}/v1/chat/completions`);
    expect(snippets[1]).toContain(`OpenAI(base_url="${empty.url}/v1"`);
    // Beneath it, the engine's health: which providers can be called already.
    await page.getByRole("region", { name: "Providers" }).getByText("OPENAI_API_KEY").waitFor();
    await page.getByRole("region", { name: "Aliases" }).getByText("opentracy alias add").waitFor();
    await shot(page, "overview-empty");
    await page.close();
  });

  test("overview with traffic: today's requests, spend and error rate", async () => {
    const page = await open("/");
    await page.getByText("Error rate").waitFor();
    const requests = page.locator(".stat", { hasText: "Requests" }).locator(".stat-value");
    expect(await requests.textContent()).toBe("4");
    expect(await page.locator(".stat", { hasText: "Error rate" }).locator(".stat-value").textContent()).toBe("25%");

    // The slowest and the most expensive models, ranked from today's activity.
    const midnight = new Date();
    midnight.setHours(0, 0, 0, 0);
    const today = (await (await fetch(`${engine.url}/api/activity?since=${midnight.getTime()}&by=model`)).json()) as Activity;
    const panel = (name: string) => page.getByRole("region", { name });
    const firstCells = async (name: string) => (await panel(name).locator("tr td:first-child").allTextContents()).map((t) => t.trim());
    expect(await firstCells("Slowest models (p95)")).toEqual(slowest(today.breakdown).map((r) => r.key ?? ""));
    expect(await panel("Slowest models (p95)").locator("tr td.num").first().textContent()).toBe(ms(slowest(today.breakdown)[0]!.p95_ms));
    expect(await firstCells("Most expensive models")).toEqual(["openai/gpt-4o-mini"]);
    expect(await panel("Most expensive models").locator("tr td.num").first().textContent()).toBe(usd(today.totals.cost_usd));

    // The engine's health: where traces go, who has a key (named by its source, never the key), each alias's targets.
    await panel("Traces").getByText("Local files").waitFor();
    expect(await panel("Traces").locator(".badge").textContent()).toBe("ok");
    expect(await panel("Providers").locator("tr").allTextContents()).toEqual(["openaiOPENAI_API_KEY", "groqGROQ_API_KEY"]);
    const aliases = panel("Aliases");
    const groq = aliases.locator("tr", { hasText: "groq/gpt-4o-mini" });
    expect(await groq.locator(".badge").textContent()).toMatch(/^cooling down \(until \d\d:\d\d:\d\d, after 1 failure\)$/);
    expect(await aliases.locator("tr", { hasText: "1. openai/gpt-4o-mini" }).locator(".badge").textContent()).toBe("ok");
    expect(await page.content()).not.toContain(fake.apiKey);
    await shot(page, "overview");
    await page.close();
  });

  test("traces: the calls, newest first; filters change the rows and survive a reload", async () => {
    const page = await open("/traces");
    const rows = page.locator("table.traces tbody tr");
    await rows.first().waitFor();
    expect(await rows.count()).toBe(4);
    expect(await rows.first().textContent()).toContain("no-such-model");
    expect(await rows.nth(2).textContent()).toContain("smart → openai/gpt-4o-mini");
    await shot(page, "traces");

    await page.selectOption("select[name=status]", "error");
    await page.waitForURL(/status=error/);
    await until(() => rows.count(), 1);
    await page.reload();
    await rows.first().waitFor();
    expect(await rows.count()).toBe(1);
    expect(await page.inputValue("select[name=status]")).toBe("error");

    await page.getByRole("button", { name: "Clear" }).click();
    await page.waitForURL((u) => !u.searchParams.has("status"));
    await page.fill("input[name=q]", "fall back");
    await page.getByRole("button", { name: "Filter" }).click();
    await page.waitForURL(/q=fall\+back/);
    await until(() => rows.count(), 1);
    await page.reload();
    await rows.first().waitFor();
    expect(await rows.first().textContent()).toContain("smart");
    expect(await page.inputValue("input[name=q]")).toBe("fall back");

    await page.fill("input[name=model]", "nothing-like-this");
    await page.getByRole("button", { name: "Filter" }).click();
    await page.getByText("No traces match these filters").waitFor();
    await page.close();
  });

  test("traces: load more pages with the cursor", async () => {
    const page = await open("/traces?limit=3");
    const rows = page.locator("table.traces tbody tr");
    await rows.first().waitFor();
    expect(await rows.count()).toBe(3);
    await page.getByRole("button", { name: "Load more" }).click();
    await until(() => rows.count(), 4);
    await page.getByText("4 shown, no more").waitFor();
    await page.close();
  });

  test("detail: a fallback shows the conversation, two attempts and the raw record", async () => {
    const page = await open("/traces");
    await page.getByRole("link", { name: /smart/ }).first().click();
    await page.waitForURL(`**/traces/${ids.fallback}`);
    await page.locator(".chat").getByText("fall back please").first().waitFor();
    const attempts = page.locator(".attempt:not(.request)");
    expect(await attempts.count()).toBe(2);
    expect(await attempts.nth(0).textContent()).toContain("groq/gpt-4o-mini");
    expect(await attempts.nth(0).textContent()).toContain("upstream_error");
    expect(await attempts.nth(1).textContent()).toContain("openai/gpt-4o-mini");
    expect(await attempts.nth(1).locator(".badge").textContent()).toBe("200");
    // The fallback's bar begins after the refused attempt's, not at 0.
    const [refused, answered] = [
      (await attempts.nth(0).locator(".attempt-bar").boundingBox())!,
      (await attempts.nth(1).locator(".attempt-bar").boundingBox())!,
    ];
    expect(answered.x).toBeGreaterThan(refused.x);
    await page.getByText("Raw JSON").click();
    expect(await page.locator(".raw pre").textContent()).toContain(`"id": "${ids.fallback}"`);
    await shot(page, "trace-detail");
    await page.close();
  });

  test("detail: roles, tool calls and results; a prompt holding markup renders as text", async () => {
    const page = await open(`/traces/${ids.tools}`);
    const chat = page.locator(".chat");
    await chat.waitFor();
    for (const role of ["system", "assistant", "tool", "user"]) expect(await chat.locator(`.msg.${role}`).count()).toBeGreaterThan(0);
    expect(await chat.locator(".tool-call").textContent()).toContain("get_weather");
    expect(await chat.locator(".tool-call pre").textContent()).toContain('"city": "Paris"');
    expect(await chat.locator(".msg.tool").textContent()).toContain("18 degrees");
    // The prompt and the echoed answer: shown as characters, never parsed into an element.
    await chat.locator(".msg.user").getByText(XSS, { exact: true }).waitFor({ state: "visible" });
    expect(await chat.locator("img").count()).toBe(0);
    await shot(page, "trace-tools");
    await page.close();
  });

  test("detail of an unknown id says so; activity lists the models", async () => {
    const page = await open("/traces/does-not-exist");
    await page.getByText("No such trace").waitFor();
    await page.goto(`${engine.url}/activity`);
    await page.locator("table.grid").waitFor();
    expect(await page.locator("table.grid").textContent()).toContain("openai/gpt-4o-mini");
    await page.close();
  });

  test("activity: four charts with their points, totals that add up the traces, a CSV of the breakdown, 30 days", async () => {
    const traces = ((await (await fetch(`${engine.url}/api/traces?limit=500`)).json()) as TracePage).data;
    const spend = traces.reduce((s, r) => s + (r.cost_usd ?? 0), 0);
    expect(spend).toBeGreaterThan(0);
    const page = await open("/activity?window=1h&by=model");
    await page.locator("svg.chart-svg").first().waitFor();
    const charts = page.locator("svg.chart-svg");
    expect(await charts.count()).toBe(4);
    for (let i = 0; i < 4; i++) {
      const points = Number(await charts.nth(i).getAttribute("data-points"));
      expect(points).toBeGreaterThan(0);
      expect(await charts.nth(i).locator("rect.hit").count()).toBe(points);
      expect(await charts.nth(i).locator("rect.bar, circle.dot").count()).toBeGreaterThan(0);
    }
    expect(await page.locator("svg.chart-svg rect.bar.s-err").count()).toBeGreaterThan(0); // the failed call
    expect(await page.locator(".stat", { hasText: "Spend" }).locator(".stat-value").textContent()).toBe(usd(spend));
    expect(await page.locator(".stat", { hasText: "Requests" }).locator(".stat-value").textContent()).toBe(String(traces.length));
    // One call read 1,000 of its tokens from the cache: 1000 × ($0.15 − $0.075) per million, the catalogue's gpt-4o-mini rates.
    const table = page.locator("table.breakdown");
    const headers = await table.locator("th").allTextContents();
    const mini = table.locator("tbody tr", { hasText: "openai/gpt-4o-mini" });
    expect(await mini.locator("td").nth(headers.indexOf("cached")).textContent()).toMatch(/^1k \(/);
    expect(await mini.locator("td").nth(headers.indexOf("cache savings")).textContent()).toBe("$0.000075");
    expect(await page.locator(".stat", { hasText: "Cache savings" }).locator(".stat-value").textContent()).toBe("$0.000075");
    await shot(page, "activity");

    const [file] = await Promise.all([page.waitForEvent("download"), page.getByRole("button", { name: "Download CSV" }).click()]);
    expect(file.suggestedFilename()).toBe("opentracy-activity-1h-by-model.csv");
    const lines = readFileSync((await file.path())!, "utf8")
      .trimEnd()
      .split("\r\n");
    expect(lines[0]).toBe("model,requests,errors,input_tokens,output_tokens,cached_tokens,cost_usd,p50_ms,p95_ms,cache_savings_usd");
    expect(lines.length - 1).toBe(await page.locator("table.grid tbody tr").count());
    const rows = lines.slice(1).map((l) => l.split(","));
    expect(rows.reduce((s, r) => s + Number(r[1]), 0)).toBe(traces.length);
    expect(rows.reduce((s, r) => s + Number(r[6]), 0)).toBeCloseTo(spend, 12);
    const miniLine = rows.find((r) => r[0] === "openai/gpt-4o-mini")!;
    expect([miniLine[5], miniLine[9]]).toEqual(["1000", "0.000075"]); // cached_tokens, cache_savings_usd

    await page.selectOption("select >> nth=0", "30d");
    await page.waitForURL(/window=30d/);
    await page.reload();
    await page.locator("svg.chart-svg").first().waitFor();
    expect(await page.inputValue("select >> nth=0")).toBe("30d");
    expect(Number(await charts.first().getAttribute("data-points"))).toBe(1); // today, one day bucket
    await page.close();
  });

  test("activity: a custom range from the URL survives a reload; grouped by tag, a row opens its traces", async () => {
    const client = new OpenAI({ baseURL: engine.baseURL, apiKey: "x", maxRetries: 0, defaultHeaders: { "X-OpenTracy-Tags": "team=search" } });
    const { response } = await client.chat.completions.create({ model: "gpt-4o-mini", messages: [{ role: "user", content: "tagged" }] }).withResponse();
    const tagged = response.headers.get("x-opentracy-trace-id")!;
    for (let i = 0; i < 100 && (await fetch(`${engine.url}/api/traces/${tagged}`)).status !== 200; i++) await Bun.sleep(50);
    const traces = ((await (await fetch(`${engine.url}/api/traces?limit=500`)).json()) as TracePage).data;

    const page = await open("/activity?window=1h&by=model");
    await page.locator("table.breakdown").waitFor();
    await page.selectOption("select[name=window]", "custom");
    await page.waitForURL((u) => u.searchParams.has("from") && u.searchParams.has("to") && !u.searchParams.has("window"));
    // Starts from the period that was on screen.
    expect(await page.inputValue("input[name=from]")).toBe(new URL(page.url()).searchParams.get("from")!);
    const from = localInput(Date.now() - 2 * 3_600_000);
    const to = localInput(Date.now() + 3_600_000);
    await page.fill("input[name=from]", from);
    await page.fill("input[name=to]", to);
    await page.getByRole("button", { name: "Apply" }).click();
    await page.waitForURL((u) => u.searchParams.get("from") === from && u.searchParams.get("to") === to);
    const requests = page.locator(".stat", { hasText: "Requests" }).locator(".stat-value");
    await until(async () => Number(await requests.textContent()), traces.length);
    await page.reload();
    await page.locator("table.breakdown").waitFor();
    expect([await page.inputValue("select[name=window]"), await page.inputValue("input[name=from]"), await page.inputValue("input[name=to]")]).toEqual([
      "custom",
      from,
      to,
    ]);
    expect(await requests.textContent()).toBe(String(traces.length));

    await page.selectOption("select[name=by]", "tag");
    await page.waitForURL((u) => u.searchParams.get("by") === "tag" && u.searchParams.get("from") === from);
    const row = page.locator("table.breakdown tbody tr", { hasText: "team=search" });
    await row.waitFor();
    expect(await page.locator("table.breakdown th").first().textContent()).toBe("tag");
    expect(await row.locator("td").nth(1).textContent()).toBe("1");
    expect(await page.locator("table.breakdown th", { hasText: "cache savings" }).count()).toBe(0);
    await shot(page, "activity-custom-tag");
    await row.getByRole("link", { name: "team=search" }).click();
    await page.waitForURL((u) => u.pathname === "/traces" && u.searchParams.get("tag") === "team=search");
    await page.locator(`table.traces tbody tr a[href="/traces/${tagged}"]`).first().waitFor();
    expect(await page.locator("table.traces tbody tr").count()).toBe(1);

    // A period before any call: an empty state that names it; a backwards range: said, not sent.
    await page.goto(`${engine.url}/activity?from=${localInput(Date.now() - 50 * 3_600_000)}&to=${localInput(Date.now() - 49 * 3_600_000)}`);
    await page.getByText(/^No requests from /).waitFor();
    await page.goto(`${engine.url}/activity?from=${to}&to=${from}`);
    await page.getByRole("alert").getByText("The range must start before it ends.").waitFor();
    await page.close();
  });

  test("traces: more filters (alias, time range) change the rows and survive a reload", async () => {
    const page = await open("/traces");
    const rows = page.locator("table.traces tbody tr");
    await rows.first().waitFor();
    await page.fill("input[name=alias]", "smart");
    await page.getByRole("button", { name: "Filter" }).click();
    await page.waitForURL(/alias=smart/);
    await until(() => rows.count(), 1);
    await page.selectOption("select[name=since]", "1h");
    await page.waitForURL(/since=1h/);
    await page.reload();
    await rows.first().waitFor();
    expect(await rows.count()).toBe(1);
    expect(await rows.first().textContent()).toContain("smart → openai/gpt-4o-mini");
    expect(await page.inputValue("input[name=alias]")).toBe("smart");
    expect(await page.inputValue("select[name=since]")).toBe("1h");
    await shot(page, "traces-filtered");
    await page.close();
  });

  test("detail: copy as curl puts the request on the clipboard; without stored content it says so", async () => {
    const page = await open(`/traces/${ids.plain}`, engine.url, ["clipboard-read", "clipboard-write"]);
    await page.getByRole("button", { name: "Copy as curl" }).click();
    await page.getByText("Copied.").waitFor();
    // A string, not a function: the tests are typed without the DOM library.
    const copied = (await page.evaluate("navigator.clipboard.readText()")) as string;
    expect(copied).toBe((await page.locator(".curl pre").textContent())!);
    expect(copied).toStartWith(`curl ${engine.url}/v1/chat/completions`);
    expect(copied).not.toContain("Authorization"); // this engine has no tokens
    const body = JSON.parse(copied.slice(copied.indexOf("-d '") + 4, -1));
    expect(body).toEqual({ model: "gpt-4o-mini", messages: [{ role: "user", content: "hello from the browser test" }] });
    await page.close();

    const client = new OpenAI({ baseURL: empty.baseURL, apiKey: "x", maxRetries: 0 });
    const { response } = await client.chat.completions.create({ model: "gpt-4o-mini", messages: [{ role: "user", content: "not kept" }] }).withResponse();
    const id = response.headers.get("x-opentracy-trace-id")!;
    for (let i = 0; i < 100 && (await fetch(`${empty.url}/api/traces/${id}`)).status !== 200; i++) await Bun.sleep(50);
    const bare = await open(`/traces/${id}`, empty.url);
    await bare.getByText("The request was not stored").waitFor();
    expect(await bare.getByRole("button", { name: "Copy as curl" }).count()).toBe(0);
    await bare.close();
  });

  test("traces: Live prepends a call made with the SDK within a second, without re-polling the list", async () => {
    const page = await open("/traces?live=1");
    const rows = page.locator("table.traces tbody tr");
    await rows.first().waitFor();
    await page.getByText("● receiving").waitFor();
    const listed = await rows.count();
    let polls = 0;
    page.on("request", (r) => new URL(r.url()).pathname === "/api/traces" && polls++);
    const client = new OpenAI({ baseURL: engine.baseURL, apiKey: "x", maxRetries: 0 });
    const { response } = await client.chat.completions.create({ model: "gpt-4o-mini", messages: [{ role: "user", content: "live, please" }] }).withResponse();
    const id = response.headers.get("x-opentracy-trace-id")!;
    await page.locator(`table.traces tbody tr:first-child a[href="/traces/${id}"]`).first().waitFor({ timeout: 1000 });
    expect(await rows.count()).toBe(listed + 1);
    expect(polls).toBe(0);
    // A filter the new call does not pass keeps it out, as a reload would.
    await page.selectOption("select[name=status]", "error");
    await page.waitForURL(/status=error/);
    await until(() => rows.count(), 1);
    await page.getByText("● receiving").waitFor();
    expect(new URL(page.url()).searchParams.get("live")).toBe("1");
    await client.chat.completions.create({ model: "gpt-4o-mini", messages: [{ role: "user", content: "ok, so hidden" }] });
    await client.chat.completions.create({ model: "no-such-model", messages: [{ role: "user", content: "an error, so shown" }] }).catch(() => {});
    // Events arrive in order: once the error's row is in, the ok call's has been judged and left out.
    await until(() => rows.count(), 2, 1000);
    expect(await rows.first().textContent()).toContain("no-such-model");
    await shot(page, "traces-live");
    await page.close();
  });

  test("session: its calls oldest first with the total, from the Traces filter and the trace detail", async () => {
    const session = "e2e-session-1";
    const client = new OpenAI({ baseURL: engine.baseURL, apiKey: "x", maxRetries: 0, defaultHeaders: { "X-OpenTracy-Session-Id": session } });
    const made: string[] = [];
    for (const [model, content] of [
      ["gpt-4o-mini", "first"],
      ["smart", "second"],
      ["gpt-4o-mini", "third"],
    ] as const) {
      const { response } = await client.chat.completions.create({ model, messages: [{ role: "user", content }] }).withResponse();
      made.push(response.headers.get("x-opentracy-trace-id")!);
    }
    let stored: TracePage["data"] = [];
    for (let i = 0; i < 100 && stored.length < 3; i++) {
      stored = ((await (await fetch(`${engine.url}/api/traces?session=${session}`)).json()) as TracePage).data;
      if (stored.length < 3) await Bun.sleep(50);
    }
    const page = await open(`/traces?session=${session}`);
    await page.getByRole("link", { name: `Session view of ${session}` }).click();
    await page.waitForURL(`**/sessions/${session}`);
    const rows = page.locator("table.session tbody tr");
    await rows.first().waitFor();
    const links = page.locator("table.session tbody tr td:nth-child(2) a");
    const hrefs = await Promise.all(Array.from({ length: await links.count() }, (_, i) => links.nth(i).getAttribute("href")));
    expect(hrefs).toEqual(made.map((id) => `/traces/${id}`));
    const total = stored.reduce((s, r) => s + (r.cost_usd ?? 0), 0);
    expect(await page.locator(".stat", { hasText: "Total cost" }).locator(".stat-value").textContent()).toBe(usd(total));
    expect(await page.locator(".stat", { hasText: "Calls" }).locator(".stat-value").textContent()).toBe("3");
    await shot(page, "session");

    await rows.nth(1).getByRole("link", { name: /smart/ }).click();
    await page.waitForURL(`**/traces/${made[1]}`);
    await page.locator(".field", { hasText: "Session" }).getByRole("link", { name: session }).click();
    await page.waitForURL(`**/sessions/${session}`);
    await rows.first().waitFor();
    await page.goto(`${engine.url}/sessions/no-such-session`);
    await page.getByText("No calls in this session").waitFor();
    await page.close();
  });

  test("detail: a retry after Retry-After shows the wait between the attempts on the time axis", async () => {
    fake.script(rateLimited(0.3, { times: 1 }));
    const client = new OpenAI({ baseURL: engine.baseURL, apiKey: "x", maxRetries: 0 });
    const { data, response } = await client.chat.completions.create({ model: "patient", messages: [{ role: "user", content: "try again" }] }).withResponse();
    const [first, retry] = (data as any)._routing.attempts;
    const id = response.headers.get("x-opentracy-trace-id")!;
    for (let i = 0; i < 100 && (await fetch(`${engine.url}/api/traces/${id}`)).status !== 200; i++) await Bun.sleep(50);
    const page = await open(`/traces/${id}`);
    const attempts = page.locator(".attempt:not(.request)");
    await attempts.first().waitFor();
    expect(await attempts.count()).toBe(2);
    expect(await attempts.nth(0).locator(".attempt-wait").count()).toBe(0);
    const wait = attempts.nth(1).locator(".attempt-wait");
    expect(await wait.count()).toBe(1);
    expect(await attempts.nth(1).locator(".wait-note").textContent()).toMatch(/after a 3\d\d ms wait/);
    // Drawn where the engine says: the retry's bar starts at its start_ms on the axis, past the wait.
    const track = (await attempts.nth(1).locator(".attempt-track").boundingBox())!;
    const bar = (await attempts.nth(1).locator(".attempt-bar").boundingBox())!;
    const waitBox = (await wait.boundingBox())!;
    const stored = (await (await fetch(`${engine.url}/api/traces/${id}`)).json()) as Trace;
    expect(stored.attempts.map((a) => a.start_ms)).toEqual([first.start_ms, retry.start_ms]);
    const axis = waterfall(stored.attempts, stored.latency_ms).axisMs;
    expect(Math.abs(bar.x - track.x - (retry.start_ms / axis) * track.width)).toBeLessThan(2);
    expect(Math.abs(waitBox.x + waitBox.width - bar.x)).toBeLessThan(2);
    expect(waitBox.width).toBeGreaterThan(((300 * 0.95) / axis) * track.width);
    expect(first.status).toBe(429);
    await shot(page, "trace-retry");
    await page.close();
  });

  test("detail: an inlined image is a thumbnail, a remote one stays text and is never fetched; usage split by kind of token", async () => {
    // 64×40 checks, drawn for this test; the remote image is on a host nobody may contact.
    const png = `data:image/png;base64,${CHECKS_PNG}`;
    const remote = "https://images.example.invalid/cat.png";
    fake.script({ usage: { prompt_tokens: 1500, cached_tokens: 1200, completion_tokens: 40 } });
    const client = new OpenAI({ baseURL: engine.baseURL, apiKey: "x", maxRetries: 0 });
    const { response } = await client.chat.completions
      .create({
        model: "gpt-4o-mini",
        messages: [
          {
            role: "user",
            content: [
              { type: "text", text: "what is in these?" },
              { type: "image_url", image_url: { url: png } },
              { type: "image_url", image_url: { url: remote } },
            ],
          },
        ],
      })
      .withResponse();
    const id = response.headers.get("x-opentracy-trace-id")!;
    for (let i = 0; i < 100 && (await fetch(`${engine.url}/api/traces/${id}`)).status !== 200; i++) await Bun.sleep(50);

    const page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
    const asked: string[] = [];
    page.on("request", (r) => asked.push(r.url()));
    page.on("console", (m) => m.type() === "error" && problems.push(`console: ${m.text()}`));
    await page.goto(`${engine.url}/traces/${id}`);
    const user = page.locator(".chat .msg.user");
    await user.waitFor();
    const img = user.locator("img");
    expect(await img.count()).toBe(1);
    // Decoded, so the CSP let the data: image in.
    await until(async () => Number(await img.evaluate((el: any) => el.naturalWidth)), 64);
    expect(await user.locator("figcaption").textContent()).toBe("image/png · 141 B");
    expect(await user.getByText(remote).count()).toBe(1);
    expect(await user.locator("a").count()).toBe(0);
    expect(asked.filter((u) => u.includes("example.invalid"))).toEqual([]);
    // A click opens it to its full size.
    await user.locator("button.thumb").click();
    await user.locator("button.thumb.open").waitFor();

    // 300 uncached at $0.15, 1,200 from cache at $0.075, 40 out at $0.60 per million: the recorded cost.
    const rows = page.locator("table.usage-table tbody tr");
    expect(await rows.allTextContents()).toEqual(["Input300$0.15$0.000045", "Input from cache1.2k$0.075$0.000090", "Output40$0.60$0.000024"]);
    expect(await page.locator("table.usage-table tfoot").textContent()).toBe("Total, as charged1.5k$0.00016");
    expect(await page.locator(".usage-note").count()).toBe(0);
    await user.locator("button.thumb").click();
    await shot(page, "trace-image");
    await page.close();
  });

  test("no page logged an error, broke the CSP or ran a dialog", () => {
    expect(problems).toEqual([]);
  });
  test("activity: runs side by side, grouped by the tag key run; a replay run is one of them", async () => {
    const exec = "exec-0a1b2c3d";
    const client = new OpenAI({ baseURL: engine.baseURL, apiKey: "x", maxRetries: 0, defaultHeaders: { "X-OpenTracy-Tags": `run=${exec}` } });
    for (const q of ["first question", "second question", "third question"])
      await client.chat.completions.create({ model: "gpt-4o-mini", messages: [{ role: "user", content: q }] });
    for (let i = 0; i < 100 && ((await (await fetch(`${engine.url}/api/traces?tag=run%3D${exec}`)).json()) as TracePage).data.length < 3; i++)
      await Bun.sleep(50);
    const replayed = await runCli(["replay", "--to", "gpt-4o", "--tag", `run=${exec}`, "--run", "replay-4e5f6a7b"], {
      home: engine.home,
      env: { OPENTRACY_PORT: new URL(engine.url).port },
    });
    expect(replayed.code).toBe(0);
    expect(replayed.stdout).toContain(`${engine.url}/activity?window=24h&by=tag&tag_key=run`);

    const page = await open("/activity?window=1h&by=tag");
    await page.locator("table.breakdown").waitFor();
    await page.fill("input[name=tag_key]", "run");
    await page.press("input[name=tag_key]", "Enter");
    await page.waitForURL((u) => u.searchParams.get("tag_key") === "run" && u.searchParams.get("by") === "tag");
    const rows = page.locator("table.breakdown tbody tr");
    await until(() => rows.count(), 2);
    expect((await rows.locator("td:first-child").allTextContents()).sort()).toEqual([`run=${exec}`, "run=replay-4e5f6a7b"]);
    for (const row of await rows.all()) expect(await row.locator("td").nth(1).textContent()).toBe("3");
    await page.getByText("One row per value of the tag run").waitFor();
    await shot(page, "activity-runs");
    // The key goes with the grouping: another grouping drops it.
    await page.selectOption("select[name=by]", "model");
    await page.waitForURL((u) => u.searchParams.get("by") === "model" && !u.searchParams.has("tag_key"));
    await page.close();
  });
});

describe("web UI on an engine with a token", () => {
  test("sign-in page; a wrong token is refused; the right one signs in, survives a reload; sign-out returns to sign-in", async () => {
    const home = tempHome();
    const token = (await runCli(["tokens", "create", "--name", "ui-user"], { home })).stdout.trim();
    const locked = await startEngine({ home, env: { OPENAI_BASE_URL: fake.url, OPENAI_API_KEY: fake.apiKey } });
    const errors: string[] = [];
    const page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
    try {
      const chat = await fetch(`${locked.url}/v1/chat/completions`, {
        method: "POST",
        headers: { authorization: `Bearer ${token}`, "content-type": "application/json" },
        body: JSON.stringify({ model: "openai/gpt-4o-mini", messages: [{ role: "user", content: "signed in" }] }),
      });
      expect(chat.status).toBe(200);
      // Scripts without credentials get 401 from the UI's data API.
      expect((await fetch(`${locked.url}/api/traces`)).status).toBe(401);

      // The 401s of the sign-in flow are logged by the browser as failed loads; nothing else may be.
      page.on("console", (m) => m.type() === "error" && !/status of 401/.test(m.text()) && errors.push(m.text()));
      page.on("pageerror", (e) => errors.push(e.message));
      await page.goto(`${locked.url}/traces`);
      const field = page.getByLabel("Engine token");
      await field.waitFor();
      expect(await page.getByText("opentracy tokens create").count()).toBeGreaterThan(0);
      await shot(page, "sign-in");

      await field.fill(`${token.slice(0, -4)}AAAA`);
      await page.getByRole("button", { name: "Sign in" }).click();
      await page.getByRole("alert").getByText("not a valid engine token").waitFor();
      expect(await field.inputValue()).toBe("");

      await field.fill(token);
      await page.getByRole("button", { name: "Sign in" }).click();
      // Back where the user was: the traces page, with the token's one call.
      const rows = page.locator("table.traces tbody tr");
      await rows.first().waitFor();
      expect(await rows.count()).toBe(1);
      expect(page.url()).toBe(`${locked.url}/traces`);
      await page.getByRole("button", { name: "Sign out" }).waitFor();
      // The token is nowhere on the page or in script-readable storage; the cookie is HttpOnly.
      expect(await page.content()).not.toContain(token);
      expect(await page.evaluate("document.cookie + JSON.stringify(sessionStorage) + JSON.stringify(localStorage)")).not.toContain(token);
      const [cookie] = await page.context().cookies();
      expect(cookie).toMatchObject({ name: "opentracy_session", httpOnly: true, sameSite: "Strict" });
      expect(cookie!.value).not.toContain(token);

      await page.reload();
      await rows.first().waitFor();
      expect(await rows.count()).toBe(1);

      await page.getByRole("button", { name: "Sign out" }).click();
      await field.waitFor();
      expect(await page.context().cookies()).toEqual([]);
      await page.reload();
      await field.waitFor();
      expect(errors).toEqual([]);
    } finally {
      await page.close();
      await locked.stop();
    }
  });
});
