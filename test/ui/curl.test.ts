import { expect, test } from "bun:test";
import { curlCommand } from "../../src/ui/app/curl.ts";

test("curl: the stored model and messages as the body; a token placeholder only when the engine needs one", () => {
  const messages = [{ role: "user", content: "it's a 'quoted' prompt" }];
  const cmd = curlCommand("http://127.0.0.1:8080", "smart", messages, false);
  expect(cmd).toStartWith("curl http://127.0.0.1:8080/v1/chat/completions \\\n");
  expect(cmd).not.toContain("Authorization");
  // Through a real shell: the quoting gives back the exact JSON.
  const body = cmd.slice(cmd.indexOf("-d ") + 3);
  const out = Bun.spawnSync(["sh", "-c", `printf %s ${body}`]).stdout.toString();
  expect(JSON.parse(out)).toEqual({ model: "smart", messages });
  expect(curlCommand("http://h", "m", [], true)).toContain('-H "Authorization: Bearer $OPENTRACY_TOKEN"');
});

test("an embeddings trace replays against /v1/embeddings with its inputs", () => {
  const cmd = curlCommand("http://h", "openai/text-embedding-3-small", ["a", "b"], false, "embeddings");
  expect(cmd).toStartWith("curl http://h/v1/embeddings");
  expect(cmd).toContain(`'{"model":"openai/text-embedding-3-small","input":["a","b"]}'`);
  expect(curlCommand("http://h", "m", [], false, "chat")).toStartWith("curl http://h/v1/chat/completions");
});
