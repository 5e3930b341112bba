import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import OpenAI from "openai";
import { compile } from "../../scripts/build.ts";
import { VERSION } from "../../src/version.ts";
import { startFakeBedrock } from "../fakes/bedrock-upstream.ts";
import { startFakeOpenAI, type FakeOpenAI } from "../fakes/openai-upstream.ts";
import { startOtlpReceiver } from "../fakes/otlp-receiver.ts";
import { count, eventually, startServer, uniqueDatabase } from "../helpers/clickhouse.ts";
import { childEnv, tempHome } from "../helpers/cli.ts";
import { cliNeverCrashes } from "../helpers/cli-matrix.ts";
import { startEngine } from "../helpers/engine.ts";
import { launchChromium } from "./browser.ts";

// The compiled executable is what users run: build it exactly as `npm run build` does and
// smoke-test serve, one request, and `traces tail` (JSON and the ink view) from it.
const bin = join(mkdtempSync(join(tmpdir(), "opentracy-bin-")), "opentracy");
let fake: FakeOpenAI;

beforeAll(async () => {
  await compile(bin);
  fake = await startFakeOpenAI();
}, 120_000);
afterAll(() => fake?.close());

const run = async (args: string[], home: string) => {
  const proc = Bun.spawn(args, { env: childEnv(home), stdout: "pipe", stderr: "pipe", stdin: "ignore" });
  const [stdout, stderr, code] = await Promise.all([new Response(proc.stdout).text(), new Response(proc.stderr).text(), proc.exited]);
  return { stdout, stderr, code };
};

describe("compiled binary", () => {
  test("--version", async () => {
    const r = await run([bin, "--version"], tempHome());
    expect(r.code).toBe(0);
    expect(r.stdout.trim()).toBe(VERSION);
  });

  test("serve, one chat request, traces tail --json and the live view", async () => {
    const engine = await startEngine({ command: [bin], env: { OPENAI_BASE_URL: fake.url, OPENAI_API_KEY: fake.apiKey } });
    const client = new OpenAI({ baseURL: engine.baseURL, apiKey: "x", maxRetries: 0 });
    // The web UI is inside the executable: the page, its script and its style, with no files beside it.
    const html = await (await fetch(`${engine.url}/traces`)).text();
    const assets = [...html.matchAll(/(?:src|href)="(\/ui\/[^"]+)"/g)].map((m) => m[1]!);
    expect(assets.some((a) => a.endsWith(".js")) && assets.some((a) => a.endsWith(".css"))).toBe(true);
    for (const a of assets) expect((await fetch(`${engine.url}${a}`)).status).toBe(200);
    const { data, response } = await client.chat.completions
      .create({ model: "gpt-4o-mini", messages: [{ role: "user", content: "from the binary" }] })
      .withResponse();
    expect(data.choices[0].message.content).toContain("from the binary");
    // The binary replaced itself with its runtime settings (its arguments survived, or it would not serve).
    const environ = readFileSync(`/proc/${engine.proc.pid}/environ`, "utf8").split("\0");
    expect(environ).toContain("BUN_CONFIG_MAX_HTTP_REQUESTS=4096");
    expect(environ).toContain(`BUN_JSC_forceRAMSize=${256 * 1024 * 1024}`);
    expect(await engine.stop()).toBe(0);

    const tail = await run([bin, "traces", "tail", "--json", "-n", "5"], engine.home);
    expect(tail.code).toBe(0);
    const lines = tail.stdout
      .trim()
      .split("\n")
      .map((l) => JSON.parse(l));
    expect(lines).toHaveLength(1);
    expect(lines[0].id).toBe(response.headers.get("x-opentracy-trace-id")!);
    expect(lines[0].selected_model).toBe("openai/gpt-4o-mini");

    // `script` gives the binary a real terminal, so it takes the ink path (bundling ink is the risky part).
    const view = await run(["script", "-qfec", `stty cols 120; ${bin} traces tail --no-follow -n 5`, "/dev/null"], engine.home);
    expect(view.code).toBe(0);
    expect(view.stdout).toContain("gpt-4o-mini");
    expect(view.stdout).toMatch(/1 request/);
    expect(view.stderr + view.stdout).not.toContain("Cannot find package");
  });

  test("the UI inside the executable renders the Overview in a real browser, with no console errors", async () => {
    const engine = await startEngine({ command: [bin], env: { OPENAI_BASE_URL: fake.url, OPENAI_API_KEY: fake.apiKey } });
    const browser = await launchChromium();
    try {
      const client = new OpenAI({ baseURL: engine.baseURL, apiKey: "x", maxRetries: 0 });
      await client.chat.completions.create({ model: "gpt-4o-mini", messages: [{ role: "user", content: "seen in the browser" }] });
      for (let i = 0; i < 100 && ((await (await fetch(`${engine.url}/api/traces`)).json()) as any).data.length === 0; i++) await Bun.sleep(50);
      const page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
      const problems: string[] = [];
      page.on("console", (m) => m.type() === "error" && problems.push(`console: ${m.text()}`));
      page.on("pageerror", (e) => problems.push(`pageerror: ${e.message}`));
      await page.goto(`${engine.url}/`);
      await page.getByRole("heading", { name: "Today" }).waitFor();
      expect(await page.locator(".stat", { hasText: "Requests" }).locator(".stat-value").textContent()).toBe("1");
      // The engine block is drawn too: the bundle's last view to load, from /api/engine.
      await page.getByRole("region", { name: "Providers" }).getByText("OPENAI_API_KEY").waitFor();
      expect(problems).toEqual([]);
    } finally {
      await browser.close();
      await engine.stop();
    }
  }, 60_000);

  // Loaded on first use, so a bundling mistake would only show when a user turns them on.
  test("lazily loaded parts work in the binary: a Bedrock stream (event-stream codec), ClickHouse traces (its client), /metrics, OTLP spans (the OpenTelemetry SDK)", async () => {
    const bedrock = await startFakeBedrock();
    const otlp = startOtlpReceiver();
    const server = await startServer();
    const url = `${server.url}/${uniqueDatabase("binary")}`;
    try {
      const engine = await startEngine({
        command: [bin],
        args: ["--clickhouse", url],
        env: {
          AWS_ENDPOINT_URL_BEDROCK_RUNTIME: bedrock.url,
          AWS_ACCESS_KEY_ID: bedrock.credentials.accessKeyId,
          AWS_SECRET_ACCESS_KEY: bedrock.credentials.secretAccessKey,
          AWS_REGION: bedrock.region,
          AWS_SHARED_CREDENTIALS_FILE: "/nonexistent/opentracy-test/credentials",
          AWS_CONFIG_FILE: "/nonexistent/opentracy-test/config",
          OTEL_EXPORTER_OTLP_ENDPOINT: otlp.url,
        },
      });
      const client = new OpenAI({ baseURL: engine.baseURL, apiKey: "x", maxRetries: 0 });
      const stream = await client.chat.completions.create({
        model: "bedrock/anthropic.claude-3-5-sonnet-20240620-v1:0",
        messages: [{ role: "user", content: "streamed from the binary" }],
        stream: true,
      });
      let text = "";
      for await (const c of stream) text += c.choices[0]?.delta.content ?? "";
      expect(text).toContain("streamed from the binary");
      const metrics = await (await fetch(`${engine.url}/metrics`)).text();
      expect(metrics).toMatch(
        /^opentracy_requests_total\{api="chat",provider="bedrock",model="bedrock\/anthropic\.claude-3-5-sonnet-20240620-v1:0",alias="",status="ok"\} 1$/m,
      );
      const span = await eventually(
        () => otlp.spans.find((s) => s.name.startsWith("chat ") && s.attributes["gen_ai.provider.name"] === "aws.bedrock"),
        10_000,
        "the span",
      );
      expect(span.name).toBe("chat anthropic.claude-3-5-sonnet-20240620-v1:0");
      expect(await engine.stop()).toBe(0);
      expect(engine.stderr()).not.toContain("Cannot find");
      const ch = await server.client();
      expect(await count(ch, `SELECT count() FROM ${url.split("/").pop()}.traces WHERE provider = 'bedrock'`)).toBe(1);
      await ch.close();
    } finally {
      await otlp.close();
      await bedrock.close();
      await server.dispose();
    }
  }, 60_000);
});

// The compiled binary must fail as quietly as the source: its default would print pages of bundled source.
cliNeverCrashes("compiled binary", [bin]);
