import { readFileSync } from "node:fs";
import { join } from "node:path";
import { EventStreamCodec, type MessageHeaders } from "@smithy/core/event-streams";
import { fromUtf8, toUtf8 } from "@smithy/util-utf8";
import type { ChatCompletionChunk } from "../../../src/openai/schema.ts";
import { getProvider } from "../../../src/providers/registry.ts";
import { bedrockAdapter } from "../../../src/providers/bedrock/index.ts";
import type { CredentialSources } from "../../../src/providers/credentials.ts";
import type { Target } from "../../../src/providers/types.ts";
import { collectTranslated } from "../../helpers/translated-chunks.ts";

const codec = new EventStreamCodec(toUtf8, fromUtf8);

export function fixture(name: string): string {
  return readFileSync(join(import.meta.dir, "fixtures", name), "utf8");
}

/** An isolated AWS environment: no real ~/.aws files, no ambient AWS_* variables. */
export const TEST_AWS_ENV: Record<string, string> = {
  AWS_ACCESS_KEY_ID: "AKIDEXAMPLE",
  AWS_SECRET_ACCESS_KEY: "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY",
  AWS_REGION: "us-east-1",
  AWS_SHARED_CREDENTIALS_FILE: "/nonexistent/opentracy-test/credentials",
  AWS_CONFIG_FILE: "/nonexistent/opentracy-test/config",
};

type Sources = { env?: Record<string, string>; secrets?: Record<string, string>; baseUrl?: string };

export function bedrockSources(over: Sources = {}): CredentialSources {
  return { provider: getProvider("bedrock")!, baseUrl: over.baseUrl ?? "", env: over.env ?? TEST_AWS_ENV, secrets: over.secrets ?? {} };
}

/** A bedrock Target whose AWS credentials went through the adapter's own credentials step, as the engine's do. */
export function bedrockTarget(over: Partial<Omit<Target, "aws">> & Sources = {}): Target {
  const { env, secrets, ...fields } = over;
  const target: Target = {
    provider: getProvider("bedrock")!,
    model: "anthropic.claude-3-5-sonnet-20240620-v1:0",
    baseUrl: "",
    key: null,
    headers: {},
    ...fields,
  };
  const creds = bedrockAdapter.credentials(bedrockSources({ env, secrets, baseUrl: target.baseUrl }));
  if ("missing" in creds) throw new Error(creds.missing);
  return { ...target, ...creds };
}

export function eventFrame(eventType: string, payload: unknown): Uint8Array {
  const headers: MessageHeaders = {
    ":event-type": { type: "string", value: eventType },
    ":content-type": { type: "string", value: "application/json" },
    ":message-type": { type: "string", value: "event" },
  };
  return codec.encode({ headers, body: fromUtf8(JSON.stringify(payload)) });
}

export function exceptionFrame(exceptionType: string, payload: unknown): Uint8Array {
  const headers: MessageHeaders = {
    ":exception-type": { type: "string", value: exceptionType },
    ":content-type": { type: "string", value: "application/json" },
    ":message-type": { type: "string", value: "exception" },
  };
  return codec.encode({ headers, body: fromUtf8(JSON.stringify(payload)) });
}

/** `{"contentBlockDelta": {...}}` lines (the recorded format) → event-stream frames. */
export function framesFromLines(text: string): Uint8Array[] {
  return text
    .split("\n")
    .filter((l) => l.trim())
    .map((line) => {
      const obj = JSON.parse(line);
      const [type] = Object.keys(obj);
      return eventFrame(type, obj[type]);
    });
}

export function concat(parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

/** The bytes as a stream delivered in reads of the given sizes (cycled), or one read per frame. */
export function byteStream(frames: Uint8Array[], readSizes?: number[]): ReadableStream<Uint8Array> {
  const reads: Uint8Array[] = [];
  if (!readSizes) reads.push(...frames);
  else {
    const all = concat(frames);
    for (let i = 0, k = 0; i < all.length; k++) {
      const size = Math.max(1, readSizes[k % readSizes.length]);
      reads.push(all.slice(i, i + size));
      i += size;
    }
  }
  return new ReadableStream({
    pull(controller) {
      const next = reads.shift();
      if (next) controller.enqueue(next);
      else controller.close();
    },
  });
}

export const collect = collectTranslated;

export function contentOf(chunks: ChatCompletionChunk[]): string {
  return chunks.map((c) => c.choices[0]?.delta.content ?? "").join("");
}
