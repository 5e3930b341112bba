import { describe, expect, test } from "bun:test";
import { Config } from "../../src/config/schema.ts";
import { readyProviders, startupSummary } from "../../src/server/startup-summary.ts";

const settings = (secrets: Record<string, string> = {}, config: unknown = {}) => ({
  config: Config.parse(config),
  secrets,
  sealed: new Map(),
  tokens: new Map(),
});

describe("startupSummary", () => {
  test("names each provider with a key and where the key comes from, never the key", () => {
    const lines = startupSummary(settings({ anthropic_api_key: "sk-ant-XYZZY1" }), { OPENAI_API_KEY: "sk-env-XYZZY2" });
    expect(lines[0]).toBe("providers ready: openai (OPENAI_API_KEY), anthropic (secrets.json (anthropic_api_key))");
    expect(lines.join("\n")).not.toContain("XYZZY");
  });

  test("says how to add a key when there is none", () => {
    expect(startupSummary(settings(), {})[0]).toContain("opentracy keys set <provider>");
  });

  test("names the cassette mode first; a replay, which needs no key, does not ask for one", () => {
    const recording = startupSummary(settings(), {}, { summary: "recording to X", offline: false, recording: true });
    expect(recording[0]).toBe("recording to X");
    expect(recording[1]).toContain("opentracy keys set <provider>");
    expect(startupSummary(settings(), {}, { summary: "replaying from X", offline: true, recording: false })).toEqual(["replaying from X"]);
  });

  test("warns when recording while traces keep no content or redact it: the cassette keeps both whole", () => {
    const recording = { summary: "recording to X", offline: false, recording: true };
    const warning = (content: { content: boolean; redact: boolean }) =>
      startupSummary(settings(), {}, recording, content).filter((l) => l.startsWith("warning:"));
    expect(warning({ content: true, redact: false })).toEqual([]);
    expect(warning({ content: false, redact: false })).toEqual([
      "warning: traces keep no content, but the cassette holds every prompt and answer whole, unredacted: keep it private",
    ]);
    expect(warning({ content: true, redact: true })).toEqual([
      "warning: traces redact content, but the cassette holds every prompt and answer whole, unredacted: keep it private",
    ]);
    const replaying = { summary: "replaying from X", offline: true, recording: false };
    expect(startupSummary(settings(), {}, replaying, { content: false, redact: true })).toEqual(["replaying from X"]);
  });

  test("lists base URL overrides with their source, and warns about one that looks mistyped", () => {
    const lines = startupSummary(settings({}, { providers: { groq: { base_url: "https://proxy.example/groq/openai/v1" } } }), {
      ANTHROPIC_BASE_URL: "http://localhost:9000/v1/",
      ANTHROPIC_API_KEY: "k",
    });
    expect(lines).toContain(
      "base URLs: groq → https://proxy.example/groq/openai/v1 (providers.groq.base_url); anthropic → http://localhost:9000/v1 (ANTHROPIC_BASE_URL)",
    );
    expect(lines).toContain("warning: ANTHROPIC_BASE_URL ends in /v1, but it is the API's root: the engine appends /v1/messages; remove the /v1");
  });

  test("readyProviders: the same providers as data, each with the name of where its key comes from", () => {
    const ready = readyProviders(settings({ anthropic_api_key: "sk-ant-XYZZY1" }), { OPENAI_API_KEY: "sk-env-XYZZY2", OLLAMA_BASE_URL: "http://gpu:11434/v1" });
    expect(ready).toEqual([
      { name: "openai", key_source: "OPENAI_API_KEY" },
      { name: "ollama", key_source: null },
      { name: "anthropic", key_source: "secrets.json (anthropic_api_key)" },
    ]);
  });
});
