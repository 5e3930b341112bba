import { describe, expect, test } from "bun:test";
import { Config } from "../../src/config/schema.ts";
import { describeSettingsChange } from "../../src/config/settings-diff.ts";

const settings = (config: unknown, secrets: Record<string, string> = {}, tokens: string[] = []) => ({
  config: Config.parse(config),
  secrets,
  sealed: new Map(),
  tokens: new Map(tokens.map((id) => [id, {} as never])),
});

describe("describeSettingsChange", () => {
  test("aliases and keys by name, tokens by count, never a key's value", () => {
    const before = settings({ aliases: { a: { targets: ["openai/gpt-4o"] }, b: { targets: ["openai/gpt-4o"] } } }, { openai_api_key: "sk-OLD1" }, ["t1"]);
    const after = settings(
      { aliases: { a: { targets: ["openai/gpt-4o-mini"] }, c: { targets: ["openai/gpt-4o"] } } },
      { openai_api_key: "sk-NEW2", groq_api_key: "gsk-NEW3" },
      ["t1", "t2"],
    );
    const changes = describeSettingsChange(before, after);
    expect(changes).toEqual(["alias a changed", "alias c added", "alias b removed", "key openai_api_key changed", "key groq_api_key added", "tokens 1 → 2"]);
    expect(changes.join(" ")).not.toMatch(/OLD1|NEW2|NEW3/);
  });

  test("sections read only at start say so; an untouched file says nothing", () => {
    const before = settings({ server: { max_body_bytes: 1000 } });
    expect(describeSettingsChange(before, settings({ server: { max_body_bytes: 2000 } }))).toEqual(["server changed (applies at the next start)"]);
    expect(describeSettingsChange(before, settings({ server: { max_body_bytes: 1000 } }))).toEqual([]);
  });
});
