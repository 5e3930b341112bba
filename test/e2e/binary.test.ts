import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import OpenAI from "openai";
import { compile } from "../../scripts/build.ts";
import { VERSION } from "../../src/version.ts";
import { startFakeOpenAI, type FakeOpenAI } from "../fakes/openai-upstream.ts";
import { childEnv, tempHome } from "../helpers/cli.ts";
import { startEngine } from "../helpers/engine.ts";

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
    const { data, response } = await client.chat.completions.create({ model: "gpt-4o-mini", messages: [{ role: "user", content: "from the binary" }] }).withResponse();
    expect(data.choices[0].message.content).toContain("from the binary");
    expect(await engine.stop()).toBe(0);

    const tail = await run([bin, "traces", "tail", "--json", "-n", "5"], engine.home);
    expect(tail.code).toBe(0);
    const lines = tail.stdout.trim().split("\n").map((l) => JSON.parse(l));
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
});
