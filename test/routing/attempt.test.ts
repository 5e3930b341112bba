import { describe, expect, test } from "bun:test";
import { Config } from "../../src/config/schema.ts";
import { ApiError, toWire } from "../../src/errors/vocabulary.ts";
import { ADAPTERS } from "../../src/providers/adapters.ts";
import { UpstreamError } from "../../src/providers/errors.ts";
import { getProvider } from "../../src/providers/registry.ts";
import type { Target } from "../../src/providers/types.ts";
import { attemptOnce, NETWORK, prepareTarget } from "../../src/routing/attempt.ts";

const settings = { config: Config.parse({}), secrets: {}, sealed: new Map() };
const planned = (name: string, model: string) => ({ provider: getProvider(name)!, model, ref: `${name}/${model}`, weight: 1 });
const limits = { firstByteMs: 5000, idleMs: 5000, maxResponseBytes: 1_000_000 };

describe("prepareTarget", () => {
  test("a provider without a key is refused, unless offline (a replay), where it goes with none", () => {
    const refused = prepareTarget(planned("openai", "gpt-4o-mini"), settings, {});
    expect("error" in refused && refused.error.code).toBe("missing_api_key");
    const offline = prepareTarget(planned("openai", "gpt-4o-mini"), settings, {}, true);
    expect("target" in offline && offline.target.key).toBeNull();
  });

  test("offline Bedrock signs with placeholder AWS keys in the configured region", () => {
    const prepared = prepareTarget(planned("bedrock", "anthropic.claude-3-haiku-20240307-v1:0"), settings, { AWS_REGION: "eu-west-1" }, true);
    if (!("target" in prepared)) throw new Error(prepared.error.message);
    expect(prepared.target.aws).toMatchObject({ accessKeyId: "offline", region: "eu-west-1" });
  });

  test("a key that is there is used, offline or not", () => {
    const prepared = prepareTarget(planned("openai", "gpt-4o-mini"), settings, { OPENAI_API_KEY: "sk-x" }, true);
    expect("target" in prepared && prepared.target.key).toBe("sk-x");
  });
});

describe("attemptOnce with an injected fetch", () => {
  const target: Target = { provider: getProvider("openai")!, model: "gpt-4o-mini", baseUrl: "http://127.0.0.1:9/v1", headers: {}, key: null };
  const body = { model: "openai/gpt-4o-mini", messages: [{ role: "user" as const, content: "hi" }] };

  test("the request goes to the injected fetch, not the network, and its answer is the attempt's", async () => {
    const seen: string[] = [];
    const answer = {
      id: "c1",
      object: "chat.completion",
      created: 1,
      model: "gpt-4o-mini",
      choices: [{ index: 0, message: { role: "assistant", content: "yo" }, finish_reason: "stop" }],
    };
    const result = await attemptOnce(ADAPTERS.openai, target, body, false, limits, new AbortController(), async (url) => {
      seen.push(url);
      return Response.json(answer);
    });
    expect(seen).toEqual(["http://127.0.0.1:9/v1/chat/completions"]);
    expect(result.ok && "completion" in result && result.completion.choices[0]!.message.content).toBe("yo");
  });

  test("a fetch that refuses with an UpstreamError fails the attempt with that error and status, as the upstream's own", async () => {
    const refusal = toWire(new ApiError("cassette_miss", "not recorded"));
    const result = await attemptOnce(ADAPTERS.openai, target, body, true, limits, new AbortController(), () => Promise.reject(new UpstreamError(refusal)));
    expect(result).toEqual({ ok: false, status: 400, mapped: refusal });
  });
});

describe("NETWORK", () => {
  test("calls whatever globalThis.fetch is at the time of the call, not the one at load (instrumentation patches it later)", async () => {
    const original = globalThis.fetch;
    const seen: string[] = [];
    globalThis.fetch = (async (url: string) => {
      seen.push(url);
      return new Response("patched");
    }) as typeof fetch;
    try {
      const res = await NETWORK.fetch("http://127.0.0.1:9/v1/chat/completions", { method: "POST" });
      expect(await res.text()).toBe("patched");
    } finally {
      globalThis.fetch = original;
    }
    expect(seen).toEqual(["http://127.0.0.1:9/v1/chat/completions"]);
  });
});
