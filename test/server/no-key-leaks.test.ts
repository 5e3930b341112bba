import { expect, test } from "bun:test";
import { mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import OpenAI from "openai";
import { openAIError, rateLimited, startFakeOpenAI } from "../fakes/openai-upstream.ts";
import { runCli, tempHome } from "../helpers/cli.ts";
import { startEngine } from "../helpers/engine.ts";

/** Every file under a folder, recursively, except the one that is supposed to hold the keys. */
function filesUnder(dir: string, except: string): string[] {
  const out: string[] = [];
  for (const name of readdirSync(dir)) {
    const p = join(dir, name);
    if (p === except) continue;
    if (statSync(p).isDirectory()) out.push(...filesUnder(p, except));
    else out.push(p);
  }
  return out;
}

test("no provider key or engine token appears in anything the engine writes, answers or logs", async () => {
  const fileKey = `sk-proj-FILEKEY${crypto.randomUUID().replaceAll("-", "")}`;
  const envKey = `gsk_ENVKEY${crypto.randomUUID().replaceAll("-", "")}`;
  const wrongKey = `sk-WRONGKEY${crypto.randomUUID().replaceAll("-", "")}`;
  const awsSecret = `AWSSECRET${crypto.randomUUID().replaceAll("-", "")}`;
  const openai = await startFakeOpenAI({ apiKey: fileKey });
  const groq = await startFakeOpenAI({ apiKey: "gsk_other_key_the_fake_wants" });
  const home = tempHome();
  mkdirSync(home, { recursive: true, mode: 0o700 });
  writeFileSync(
    join(home, "secrets.json"),
    JSON.stringify({
      openai_api_key: fileKey,
      anthropic_api_key: wrongKey,
      aws_access_key_id: "AKIAKEYLEAKTEST00001",
      aws_secret_access_key: awsSecret,
      aws_region: "us-east-1",
    }),
    { mode: 0o600 },
  );
  writeFileSync(join(home, "config.json"), JSON.stringify({ routing: { retry: { max_attempts: 1 } } }));
  const token = (await runCli(["tokens", "create", "--name", "leaktest", "--admin"], { home })).stdout.trim();
  const engine = await startEngine({
    home,
    env: {
      OPENAI_BASE_URL: openai.url,
      GROQ_BASE_URL: groq.url,
      GROQ_API_KEY: envKey,
      ANTHROPIC_BASE_URL: openai.url.replace("/v1", ""),
      AWS_ENDPOINT_URL_BEDROCK_RUNTIME: "http://127.0.0.1:9",
    },
  });
  const client = new OpenAI({ baseURL: engine.baseURL, apiKey: token, maxRetries: 0 });
  const answers: string[] = [];
  const keep = async (p: Promise<unknown>) =>
    answers.push(
      JSON.stringify(await p.catch((e) => ({ status: e.status, message: e.message, error: e.error, headers: e.headers && Object.fromEntries(e.headers) }))),
    );
  const ask = (model: string, content = "hi") => ({ model, messages: [{ role: "user" as const, content }] });

  await keep(client.chat.completions.create(ask("openai/gpt-4o")));
  await keep(
    client.chat.completions.create({ ...ask("openai/gpt-4o"), stream: true }).then(async (s) => {
      for await (const _ of s);
      return "streamed";
    }),
  );
  // The groq fake wants another key: an upstream 401 that quotes the key it was given (masked, like OpenAI).
  await keep(client.chat.completions.create(ask("groq/gpt-4o")));
  openai.script(rateLimited(90));
  await keep(client.chat.completions.create(ask("openai/gpt-4o")));
  openai.script(openAIError(400, "bad request"));
  await keep(client.chat.completions.create(ask("openai/gpt-4o")));
  // Anthropic at an OpenAI fake: a 404 with whatever it says; Bedrock at a closed port.
  await keep(client.chat.completions.create(ask("anthropic/claude-sonnet-4-6")));
  await keep(client.chat.completions.create(ask("bedrock/anthropic.claude-3-5-sonnet-20240620-v1:0")));
  await keep(client.chat.completions.create(ask("nope")));
  await keep(new OpenAI({ baseURL: engine.baseURL, apiKey: wrongKey, maxRetries: 0 }).chat.completions.create(ask("openai/gpt-4o")));
  await keep(client.models.list());
  answers.push(await (await fetch(`${engine.url}/health`, { headers: { authorization: `Bearer ${token}` } })).text());
  // The Overview's engine health names where each key comes from, never the key.
  const status = await fetch(`${engine.url}/api/engine`, { headers: { authorization: `Bearer ${token}` } });
  expect(status.status).toBe(200);
  answers.push(await status.text());
  expect(answers.at(-1)).toContain("secrets.json (openai_api_key)");
  const cli = await Promise.all([
    runCli(["keys", "list"], { home, env: { GROQ_API_KEY: envKey } }),
    runCli(["keys", "list", "--json"], { home }),
    runCli(["route", "explain", "openai/gpt-4o"], { home }),
    runCli(["tokens", "list"], { home }),
    runCli(["traces", "tail", "--json", "-n", "100"], { home }),
    runCli(["serve", "--help"], { home, env: { OPENAI_API_KEY: envKey } }),
  ]);
  expect(await engine.stop()).toBe(0);
  await openai.close();
  await groq.close();

  const written = filesUnder(home, join(home, "secrets.json")).map((f) => readFileSync(f, "utf8"));
  const everything = [engine.stderr(), ...answers, ...written, ...cli.flatMap((r) => [r.stdout, r.stderr])].join("\n");
  expect(written.length).toBeGreaterThan(1); // traces were written, so there was something to search
  for (const secret of [fileKey, envKey, wrongKey, awsSecret, token]) {
    // The whole key, and any 16-character piece of its secret part.
    const core = secret.slice(secret.length - 32);
    expect(everything).not.toContain(secret);
    for (let i = 0; i + 16 <= core.length; i += 8) expect(everything).not.toContain(core.slice(i, i + 16));
  }
});
