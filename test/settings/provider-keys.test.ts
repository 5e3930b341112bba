import { describe, expect, test } from "bun:test";
import { mergeSecrets } from "../../src/settings/provider-keys.ts";

describe("mergeSecrets", () => {
  test("a later store wins per provider (secrets.json, then credentials.json, then ClickHouse), and a credential set is never mixed from two places", () => {
    const file = {
      openai_api_key: "sk-file",
      groq_api_key: "gsk-file",
      aws_access_key_id: "AKIAFILE",
      aws_secret_access_key: "file-secret",
      aws_session_token: "file-token",
    };
    const sealed = { openai_api_key: "sk-sealed", aws_access_key_id: "AKIASEALED", aws_secret_access_key: "sealed-secret" };
    const shared = { openai_api_key: "sk-shared" };
    const merged = mergeSecrets(file, ["sealed", sealed], ["clickhouse", shared]);
    expect(merged.secrets).toEqual({
      openai_api_key: "sk-shared",
      groq_api_key: "gsk-file",
      aws_access_key_id: "AKIASEALED",
      aws_secret_access_key: "sealed-secret",
    });
    expect([...merged.sealed].sort()).toEqual([
      ["aws_access_key_id", "sealed"],
      ["aws_secret_access_key", "sealed"],
      ["openai_api_key", "clickhouse"],
    ]);
  });
});
