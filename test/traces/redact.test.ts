import { describe, expect, test } from "bun:test";
import { redactText, redactValue } from "../../src/traces/redact.ts";

function expectMasked(cases: [input: string, expected: string][]) {
  for (const [input, expected] of cases) expect([input, redactText(input)]).toEqual([input, expected]);
}
function expectUntouched(inputs: string[]) {
  for (const input of inputs) expect([input, redactText(input)]).toEqual([input, input]);
}

describe("emails", () => {
  test("masked", () => {
    expectMasked([
      ["write to john.doe@example.com today", "write to [EMAIL] today"],
      ["mail me at john.doe+test@example.co.uk.", "mail me at [EMAIL]."],
      ["<Jane_O'Neil@sub.mail-host.io>", "<Jane_O'[EMAIL]>"],
      ['{"email":"a1990@corp.example.org"}', '{"email":"[EMAIL]"}'],
    ]);
  });
  test("left alone", () => {
    expectUntouched(["@pydantic/genai-prices", "react@19.3.1", "icon@2x.png", "user@localhost", "ping @alice about it", "a @ b.com"]);
  });
});

describe("phone numbers", () => {
  test("international", () => {
    expectMasked([
      ["call +1 (415) 555-2671 now", "call [PHONE] now"],
      ["+44 20 7946 0958", "[PHONE]"],
      ["+33 1 23 45 67 89", "[PHONE]"],
      ["+49 30 12345678", "[PHONE]"],
      ["+81-3-1234-5678", "[PHONE]"],
      ["tel:+14155552671", "tel:[PHONE]"],
    ]);
  });
  test("national formats", () => {
    expectMasked([
      ["(415) 555-2671", "[PHONE]"],
      ["my cell is 415-555-2671.", "my cell is [PHONE]."],
      ["415.555.2671", "[PHONE]"],
      ["020 7946 0958", "[PHONE]"],
      ["07700 900123", "[PHONE]"],
      ["01 23 45 67 89", "[PHONE]"],
      ["030/12345678", "[PHONE]"],
    ]);
  });
  test("ordinary numbers are not phones", () => {
    expectUntouched([
      "in 2024 we shipped 3 releases",
      "cost: $1,234.56 for 1,234,567 tokens",
      "prompt_tokens: 1234567890",
      "2024-01-15",
      "2024-01-15T10:30:00Z",
      "2024-01-15T10:30:00.123+05:30",
      "12:30:45",
      "01.02.2024",
      "05-06-2024",
      "550e8400-e29b-41d4-a716-446655440000",
      "100 200 3000",
      "version 1.22.333",
      "score +1234",
      "elapsed 1700000000000 ms",
      "x = 3.14159265358979",
    ]);
  });
});

describe("payment cards", () => {
  test("Luhn-valid numbers with known prefixes", () => {
    expectMasked([
      ["card 4111 1111 1111 1111 exp 12/29", "card [CARD] exp 12/29"],
      ["4242-4242-4242-4242", "[CARD]"],
      ["5555555555554444", "[CARD]"],
      ["2223003122003222", "[CARD]"],
      ["amex 3782 822463 10005", "amex [CARD]"],
      ["6011111111111117", "[CARD]"],
      ["3530111333300000", "[CARD]"],
      ["30569309025904", "[CARD]"],
    ]);
  });
  test("digit runs that are not cards", () => {
    expectUntouched([
      "4111111111111112", // Luhn fails
      "order 4111 1111-1111 1111", // mixed separators
      "1700000000000", // epoch milliseconds
      "9783161484100", // ISBN-13
      "id 12345678901234567890123", // too long
      "0000000000000000",
      "trace 7d5e1f0a-4111-1111-1111-111111111111",
    ]);
  });
});

describe("IP addresses", () => {
  test("IPv4", () => {
    expectMasked([
      ["from 192.168.1.100:8080", "from [IP]:8080"],
      ["allow 10.0.0.0/8", "allow [IP]/8"],
      ["client=203.0.113.7.", "client=[IP]."],
    ]);
    expectUntouched(["v1.2.3.4", "OID 1.3.6.1.4.1", "256.1.1.1", "1.2.3", "3.14"]);
  });
  test("IPv6", () => {
    expectMasked([
      ["2001:db8::1", "[IP]"],
      ["http://[2001:db8::ff00:42:8329]:8080/", "http://[[IP]]:8080/"],
      ["2001:0db8:85a3:0000:0000:8a2e:0370:7334", "[IP]"],
      ["fe80::1%eth0", "[IP]%eth0"],
      ["::ffff:192.168.1.1", "[IP]"],
    ]);
    expectUntouched(["std::vector<int>", "Foo::Bar", "abc::def", "xs[1::2]", "10:30:00", "00:1a:2b:3c:4d:5e"]);
  });
});

describe("secrets and keys", () => {
  test("provider keys", () => {
    expectMasked([
      ["key sk-proj-Ab3dEfGhIjKlMnOpQrStUvWxYz0123456789", "key [SECRET]"],
      ["OPENAI_API_KEY=sk-abcdefghijklmnopqrstuvwxyz0123456789ABCDEFGHIJKL", "OPENAI_API_KEY=[SECRET]"],
      ["sk-ant-api03-abcdefghijklmnopqrstuvwxyz0123456789-ABCDEFG_hij", "[SECRET]"],
      ["aws AKIAIOSFODNN7EXAMPLE and ASIAY34FZKBOKMUTVV7A", "aws [SECRET] and [SECRET]"],
      ["AIzaSyA1234567890abcdefghijklmnopqrstu", "[SECRET]"],
      ["ghp_abcdefghijklmnopqrstuvwxyz0123456789", "[SECRET]"],
      ["github_pat_11ABCDEFG0123456789_abcdefghijklmnopqrstuvwxyz", "[SECRET]"],
      ["xoxb-1234567890-abcdefghijkl", "[SECRET]"],
      ["xoxp-1234567890-0987654321-abcdef", "[SECRET]"],
    ]);
    expectUntouched(["task-runner-for-scikit-learn", "sk-learn", "ask-me-anything-about-everything-here", "AKIA is a prefix"]);
  });

  test("bearer tokens and JWTs", () => {
    const jwt = "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0.dozjgNryP4J3jVmNHl0w5N_XgL0n3I9PlFUP0THsR8U";
    expectMasked([
      ["Authorization: Bearer abc123def456ghi789", "Authorization: Bearer [SECRET]"],
      [`Authorization: Bearer ${jwt}`, "Authorization: Bearer [SECRET]"],
      [`token ${jwt} end`, "token [SECRET] end"],
      ['{"Authorization": "Bearer abcdef123456789"}', '{"Authorization": "Bearer [SECRET]"}'],
      ["Authorization: Basic dXNlcjpwYXNzd29yZA==", "Authorization: Basic [SECRET]"],
    ]);
    expectUntouched(["the bearer of this letter", "Bearer tokens are short-lived", "eyJ is how JSON starts in base64"]);
  });

  test("key = value assignments", () => {
    expectMasked([
      ["password: hunter2", "password: [SECRET]"],
      ['{"password": "correct horse battery staple"}', '{"password": "[SECRET]"}'],
      ["DB_PASSWORD=s3cr3t!", "DB_PASSWORD=[SECRET]"],
      ["api_key='abc123xyz'", "api_key='[SECRET]'"],
      ["GET /v1/x?api_key=XYZ123&page=2", "GET /v1/x?api_key=[SECRET]&page=2"],
      ["client_secret: 8f3a9c", "client_secret: [SECRET]"],
      ["aws_secret_access_key = wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY", "aws_secret_access_key = [SECRET]"],
      ["refresh_token=1//0gABC", "refresh_token=[SECRET]"],
    ]);
    expectUntouched(["max_tokens: 512", "password_hint: pet name", "Your password: is it strong?", "pwd: /home/user", "tokens: 1234", '{"password": ""}']);
  });

  test("credentials in URLs and private keys", () => {
    expectMasked([
      ["postgres://admin:pa55word@db.example.com:5432/app", "postgres://admin:[SECRET]@db.example.com:5432/app"],
      ["http://default:pw@localhost:8123/opentracy", "http://default:[SECRET]@localhost:8123/opentracy"],
      ["k = -----BEGIN RSA PRIVATE KEY-----\nMIIEowIBAAKCAQEA\n-----END RSA PRIVATE KEY----- done", "k = [SECRET] done"],
    ]);
    expectUntouched(["https://example.com:8443/path", "see https://api.openai.com/v1/chat/completions"]);
  });
});

describe("redactText as a whole", () => {
  test("several kinds in one text", () => {
    expect(redactText("I'm Ann (ann@example.com, +1 415 555 2671), card 4111 1111 1111 1111, from 203.0.113.9, key sk-proj-abc123def456ghi789jkl0")).toBe(
      "I'm Ann ([EMAIL], [PHONE]), card [CARD], from [IP], key [SECRET]",
    );
  });

  test("is idempotent", () => {
    const once = redactText('password: hunter2, "api_key": "abc123", Bearer abc123def456ghi789, a@b.co, 10.0.0.1, +44 20 7946 0958');
    expect(redactText(once)).toBe(once);
  });

  test("leaves ordinary text alone", () => {
    const text =
      "The meeting on 2024-03-05 at 14:30 UTC covered Q1 revenue ($1.2M, up 12%), 42 open issues, " +
      "build 1.22.3, request id 9f86d081-884c-7d65-9a2f-eaa0c6b4e8f1 and 128000 context tokens.";
    expect(redactText(text)).toBe(text);
    expect(redactText("")).toBe("");
  });

  test("base64 data URLs are left as they are", () => {
    const url = `data:image/png;base64,${Buffer.from("4111 1111 1111 1111 ann@example.com").toString("base64")}`;
    expect(redactText(url)).toBe(url);
  });

  test("stays fast on long adversarial runs", () => {
    const inputs = ["sk-".repeat(100_000), "ab-".repeat(100_000), `${"a.".repeat(100_000)}@`, "http://a:".repeat(30_000)];
    const t = performance.now();
    for (const s of inputs) redactText(s);
    expect(performance.now() - t).toBeLessThan(2_000);
  });
});

describe("redactValue", () => {
  const request = {
    model: "gpt-4o",
    temperature: 0.2,
    stream: false,
    messages: [
      { role: "system", content: "You are helpful." },
      {
        role: "user",
        content: [
          { type: "text", text: "My email is ann@example.com and my card is 4242 4242 4242 4242" },
          { type: "image_url", image_url: { url: "data:image/png;base64,iVBORw0KGgo=" } },
        ],
      },
      {
        role: "assistant",
        content: null,
        tool_calls: [
          {
            id: "call_1",
            type: "function",
            function: { name: "login", arguments: '{"user":"ann@example.com","password":"hunter2"}' },
          },
        ],
      },
      { role: "tool", tool_call_id: "call_1", content: "ok from 192.168.0.7" },
    ],
    metadata: { n: 3, tags: ["+1 415 555 2671", null, true] },
  };

  test("redacts every string, in messages, content parts and tool-call arguments", () => {
    const out = redactValue(request) as typeof request;
    expect(out).toEqual({
      model: "gpt-4o",
      temperature: 0.2,
      stream: false,
      messages: [
        { role: "system", content: "You are helpful." },
        {
          role: "user",
          content: [
            { type: "text", text: "My email is [EMAIL] and my card is [CARD]" },
            { type: "image_url", image_url: { url: "data:image/png;base64,iVBORw0KGgo=" } },
          ],
        },
        {
          role: "assistant",
          content: null,
          tool_calls: [
            {
              id: "call_1",
              type: "function",
              function: { name: "login", arguments: '{"user":"[EMAIL]","password":"[SECRET]"}' },
            },
          ],
        },
        { role: "tool", tool_call_id: "call_1", content: "ok from [IP]" },
      ],
      metadata: { n: 3, tags: ["[PHONE]", null, true] },
    });
  });

  test("does not mutate its input", () => {
    const before = structuredClone(request);
    const frozen = deepFreeze(structuredClone(request));
    const out = redactValue(frozen);
    expect(request).toEqual(before);
    expect(out).not.toBe(frozen);
    expect((out as typeof request).messages).not.toBe(frozen.messages);
    expect((frozen.messages[1]!.content as { text?: string }[])[0]!.text).toContain("ann@example.com");
  });

  test("scalars and a bare string", () => {
    expect(redactValue("call +44 20 7946 0958")).toBe("call [PHONE]");
    expect(redactValue(42)).toBe(42);
    expect(redactValue(null)).toBeNull();
    expect(redactValue(undefined)).toBeUndefined();
    expect(redactValue(false)).toBe(false);
    expect(redactValue([])).toEqual([]);
  });
});

function deepFreeze<T>(v: T): T {
  if (v && typeof v === "object") {
    for (const child of Object.values(v)) deepFreeze(child);
    Object.freeze(v);
  }
  return v;
}
