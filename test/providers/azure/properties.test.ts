import { describe, expect, test } from "bun:test";
import fc from "fast-check";
import { azureAdapter } from "../../../src/providers/azure/index.ts";
import { chatRequest } from "../cohere/openai-requests.ts";
import { azureTarget } from "./helpers.ts";

describe("properties", () => {
  test("any valid OpenAI request goes up unchanged but for model and the usage request, whatever the API version", async () => {
    await fc.assert(
      fc.asyncProperty(chatRequest, fc.constantFrom(undefined, "2024-10-21", "2024-06-01", "v1", "preview"), async (body, apiVersion) => {
        const stream = body.stream === true;
        const { init } = await azureAdapter.buildRequest(body, azureTarget({ apiVersion }), stream);
        const sent = JSON.parse(init.body as string);
        const { stream_options: sentOptions, ...sentRest } = sent;
        const { stream_options: clientOptions, ...clientRest } = JSON.parse(JSON.stringify(body));
        expect(sentRest).toEqual({ ...clientRest, model: "gpt-4o-prod" });
        // Too old a version for stream_options: what the client sent itself still goes up as sent.
        if (!stream || apiVersion === "2024-06-01") expect(sentOptions).toEqual(clientOptions);
        else expect(sentOptions).toEqual({ ...clientOptions, include_usage: true });
      }),
      { numRuns: 300 },
    );
  });

  test("request → Azure → response keeps every message: an answer echoing them parses back to the same messages", () => {
    fc.assert(
      fc.property(chatRequest, (body) => {
        const answer = {
          id: "chatcmpl-x",
          object: "chat.completion",
          created: 1,
          model: "gpt-4o-2024-08-06",
          choices: body.messages.map((message, index) => ({ index, message, finish_reason: "stop", content_filter_results: {} })),
          prompt_filter_results: [],
        };
        const parsed = azureAdapter.parseResponse(JSON.stringify(answer), azureTarget());
        expect(parsed.choices.map((c) => c.message)).toEqual(JSON.parse(JSON.stringify(body.messages)));
      }),
      { numRuns: 200 },
    );
  });
});
