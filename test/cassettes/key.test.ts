import { describe, expect, test } from "bun:test";
import { canonicalJson, cassetteKey, cassetteRequest, differences, distance } from "../../src/cassettes/key.ts";

const post = (body: unknown, headers: Record<string, string> = {}) => ({ method: "POST", headers, body: JSON.stringify(body) });

describe("cassetteRequest", () => {
  test("keeps the method, path and query and the JSON body; drops the host, credentials in the query and every header but those that change the answer", () => {
    const r = cassetteRequest(
      "https://generativelanguage.googleapis.com/v1beta/models/g:streamGenerateContent?alt=sse&key=AIzaSECRET&X-Amz-Signature=abc",
      post(
        { b: 1, a: [2, { d: 3, c: 4 }] },
        { authorization: "Bearer sk-SECRET", "x-api-key": "sk-ant-SECRET", "anthropic-version": "2023-06-01", "anthropic-beta": "b1", "user-agent": "x" },
      ),
    );
    expect(r).toEqual({
      method: "POST",
      path: "/v1beta/models/g:streamGenerateContent?alt=sse",
      headers: { "anthropic-version": "2023-06-01", "anthropic-beta": "b1" },
      body: { b: 1, a: [2, { d: 3, c: 4 }] },
    });
    expect(JSON.stringify(r)).not.toContain("SECRET");
  });

  test("a body that is not JSON is kept as text; bytes are read as text", () => {
    expect(cassetteRequest("http://h/x", { method: "post", body: "not json" }).body).toBe("not json");
    expect(cassetteRequest("http://h/x", { method: "POST", body: new TextEncoder().encode('{"a":1}') }).body).toEqual({ a: 1 });
    expect(cassetteRequest("http://h/x", {}).method).toBe("GET");
  });
});

describe("cassetteKey", () => {
  test("the same request to another host, with keys in another order or other whitespace, has the same key", () => {
    const a = cassetteRequest("http://127.0.0.1:1111/v1/chat/completions", {
      method: "POST",
      body: '{"model":"m","messages":[{"role":"user","content":"hi"}]}',
    });
    const b = cassetteRequest("https://api.openai.com/v1/chat/completions", {
      method: "POST",
      headers: { authorization: "Bearer other" },
      body: '{ "messages": [ { "content": "hi", "role": "user" } ], "model": "m" }',
    });
    expect(cassetteKey(a)).toBe(cassetteKey(b));
    expect(cassetteKey(a)).toMatch(/^[0-9a-f]{64}$/);
  });

  test("another path, body value or answer-changing header is another key", () => {
    const base = cassetteRequest("http://h/v1/messages", post({ m: 1 }));
    expect(cassetteKey(cassetteRequest("http://h/v1/messages/x", post({ m: 1 })))).not.toBe(cassetteKey(base));
    expect(cassetteKey(cassetteRequest("http://h/v1/messages", post({ m: 2 })))).not.toBe(cassetteKey(base));
    expect(cassetteKey(cassetteRequest("http://h/v1/messages", post({ m: 1 }, { "anthropic-beta": "x" })))).not.toBe(cassetteKey(base));
  });

  test("canonical JSON sorts keys at every depth and keeps array order", () => {
    expect(canonicalJson({ b: [{ z: 1, y: 2 }, 3], a: null })).toBe('{"a":null,"b":[{"y":2,"z":1},3]}');
  });
});

describe("differences", () => {
  test("names the differing fields by path, at most `limit`, with the count in distance", () => {
    const a = cassetteRequest(
      "http://h/v1/chat/completions",
      post({
        model: "m",
        messages: [
          { role: "system", content: "s" },
          { role: "user", content: "hi" },
        ],
        n: 1,
      }),
    );
    const b = cassetteRequest(
      "http://h/v1/chat/completions",
      post(
        {
          model: "m",
          messages: [
            { role: "system", content: "s" },
            { role: "user", content: "hello" },
          ],
          temperature: 0,
        },
        { "anthropic-beta": "x" },
      ),
    );
    expect(differences(a, b, 10)).toEqual(["body.messages[1].content", "body.n", "body.temperature", "headers.anthropic-beta"]);
    expect(differences(a, b)).toHaveLength(3);
    expect(distance(a, b)).toBe(4);
    expect(differences(a, a)).toEqual([]);
  });
});
