import { describe, expect, test } from "bun:test";
import { baseUrlMistake } from "../../src/providers/base-url-check.ts";
import { getProvider } from "../../src/providers/registry.ts";

const check = (provider: string, url: string) => baseUrlMistake(getProvider(provider)!, url);

describe("baseUrlMistake", () => {
  test("a version path on a root-style variable is called out, with what the engine appends", () => {
    expect(check("anthropic", "http://host/v1")).toBe(
      "ANTHROPIC_BASE_URL ends in /v1, but it is the API's root: the engine appends /v1/messages; remove the /v1",
    );
    expect(check("gemini", "http://host/v1beta/")).toContain("GEMINI_BASE_URL ends in /v1beta");
    expect(check("cohere", "https://proxy.example/cohere/v2")).toContain("appends /v2/chat");
  });

  test("an OpenAI-style variable without its version path is called out", () => {
    expect(check("openai", "http://127.0.0.1:4000")).toContain("OPENAI_BASE_URL has no version path");
    expect(check("groq", "https://proxy.example/groq")).toContain("like https://api.groq.com/openai/v1");
  });

  test("the usual forms pass, and a provider whose own URL has no version is left alone", () => {
    expect(check("openai", "https://api.openai.com/v1")).toBeNull();
    expect(check("openai", "http://127.0.0.1:4000/v1")).toBeNull();
    expect(check("fireworks", "https://api.fireworks.ai/inference/v1")).toBeNull();
    expect(check("anthropic", "https://api.anthropic.com")).toBeNull();
    expect(check("anthropic", "https://gateway.example/anthropic")).toBeNull();
    expect(check("perplexity", "https://proxy.example")).toBeNull();
    expect(check("openai", "")).toBeNull();
  });

  test("a value that is not a URL says so", () => {
    expect(check("openai", "api.openai.com/v1")).toBe("OPENAI_BASE_URL is not a URL: 'api.openai.com/v1'");
  });
});
