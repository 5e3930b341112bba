// The GenerateContentResponse bodies the fake sends, shaped like the recorded ones in
// test/providers/gemini/fixtures: `candidates[].content.parts` with role "model" and `index`,
// `usageMetadata` (thinking counted apart from candidatesTokenCount, zero counts left out),
// `modelVersion`, `responseId`; Gemini 3 answers end with a thought signature; a stream repeats
// the usage on every event and sends the finishReason on its last one.

import { field } from "./proto.ts";
import { isGemini3 } from "./validate.ts";

type Json = Record<string, any>;

export interface ScriptedFunctionCall {
  name: string;
  args?: Record<string, unknown>;
  /** default: a fresh signature on the first call of a Gemini 3 answer, none otherwise */
  thoughtSignature?: string;
}

export interface AnswerScript {
  /** text of the answer; an array gives one text per candidate. Default: the last user text echoed */
  text?: string | string[];
  /** thought summary; sent as `thought: true` parts only when the request set includeThoughts, counted always */
  thoughts?: string;
  /** every candidate calls these functions, in one turn (parallel calls) */
  functionCalls?: ScriptedFunctionCall[];
  /** stream each call's arguments as `partialArgs` pieces (Vertex's streamFunctionCallArguments) */
  streamArguments?: boolean;
  /** default "STOP" */
  finishReason?: string;
  finishMessage?: string;
  /** the signature ending a text answer; default: one for Gemini 3 models; false for none */
  textSignature?: string | false;
  /** overrides of the computed counts */
  usage?: { prompt?: number; candidates?: number; thoughts?: number; cached?: number };
  /** default: the requested model id */
  modelVersion?: string;
  /** answer with promptFeedback.blockReason and no candidates */
  promptBlocked?: string;
}

export interface Answer {
  /** the whole response, for generateContent */
  body: Json;
  /** the events of streamGenerateContent, in order */
  events: Json[];
}

const FILTER_REASONS = new Set(["SAFETY", "RECITATION", "BLOCKLIST", "PROHIBITED_CONTENT", "SPII"]);
const SAFETY_RATINGS = [
  { category: "HARM_CATEGORY_SEXUALLY_EXPLICIT", probability: "NEGLIGIBLE" },
  { category: "HARM_CATEGORY_HATE_SPEECH", probability: "NEGLIGIBLE" },
  { category: "HARM_CATEGORY_HARASSMENT", probability: "NEGLIGIBLE" },
  { category: "HARM_CATEGORY_DANGEROUS_CONTENT", probability: "HIGH" },
];

export function randomSignature(): string {
  const bytes = crypto.getRandomValues(new Uint8Array(96));
  return Buffer.from(bytes).toString("base64");
}

export function responseId(): string {
  return Buffer.from(crypto.getRandomValues(new Uint8Array(16)))
    .toString("base64url")
    .slice(0, 22);
}

const AFTER_SPACE = /(?<= )/;
const PLAIN_KEY = /^[A-Za-z_][A-Za-z0-9_]*$/;
const QUOTE_OR_BACKSLASH = /['\\]/g;
const tokens = (s: string) => (s ? Math.max(1, Math.ceil(s.length / 4)) : 0);

export function buildAnswer(script: AnswerScript, request: Json, model: string): Answer {
  const meta = { modelVersion: script.modelVersion ?? model, responseId: responseId() };
  const promptTokens = script.usage?.prompt ?? Math.max(1, tokens(requestText(request)));
  const promptDetails = [{ modality: "TEXT", tokenCount: promptTokens }];

  if (script.promptBlocked) {
    const body = {
      promptFeedback: { blockReason: script.promptBlocked, safetyRatings: SAFETY_RATINGS },
      usageMetadata: { promptTokenCount: promptTokens, totalTokenCount: promptTokens, promptTokensDetails: promptDetails },
      ...meta,
    };
    return { body, events: [body] };
  }

  const generation = field<Json>(request, "generationConfig") ?? {};
  const count = Number(field(generation, "candidateCount") ?? 1);
  const includeThoughts = field(field(generation, "thinkingConfig"), "includeThoughts") === true;
  const finishReason = script.finishReason ?? "STOP";
  const filtered = FILTER_REASONS.has(finishReason);
  const gemini3 = isGemini3(model);
  const texts = Array.from({ length: count }, (_, i) => {
    if (Array.isArray(script.text)) return script.text[i] ?? "";
    if (script.text !== undefined) return script.text;
    if (script.functionCalls?.length || filtered) return "";
    const echo = lastUserText(request);
    return i === 0 ? echo : `${echo} (candidate ${i})`;
  });
  const calls = (script.functionCalls ?? []).map((c, i) => ({
    ...c,
    thoughtSignature: c.thoughtSignature ?? (i === 0 && gemini3 ? randomSignature() : undefined),
  }));
  const textSignature = script.textSignature === false ? undefined : (script.textSignature ?? (gemini3 ? randomSignature() : undefined));

  const thoughtTokens = script.usage?.thoughts ?? tokens(script.thoughts ?? "");
  const candidateTokens = script.usage?.candidates ?? texts.reduce((n, t) => n + tokens(t), 0) + calls.length * 8;
  const usageAt = (fraction: number): Json => {
    const candidates = Math.round(candidateTokens * fraction);
    const usage: Json = { promptTokenCount: promptTokens };
    if (candidates) usage.candidatesTokenCount = candidates;
    usage.totalTokenCount = promptTokens + candidates + thoughtTokens;
    usage.promptTokensDetails = promptDetails;
    if (script.usage?.cached) {
      usage.cachedContentTokenCount = script.usage.cached;
      usage.cacheTokensDetails = [{ modality: "TEXT", tokenCount: script.usage.cached }];
    }
    if (thoughtTokens) usage.thoughtsTokenCount = thoughtTokens;
    return usage;
  };

  // Whole answer, for generateContent.
  const fullCandidates = texts.map((text, index) => {
    const parts: Json[] = [];
    if (script.thoughts && includeThoughts) parts.push({ text: script.thoughts, thought: true });
    for (const c of calls)
      parts.push({ functionCall: { name: c.name, args: c.args ?? {} }, ...(c.thoughtSignature ? { thoughtSignature: c.thoughtSignature } : {}) });
    if (!calls.length && text) parts.push({ text, ...(textSignature ? { thoughtSignature: textSignature } : {}) });
    const candidate: Json = parts.length ? { content: { parts, role: "model" } } : {};
    candidate.finishReason = finishReason;
    if (filtered) candidate.safetyRatings = SAFETY_RATINGS;
    candidate.index = index;
    const message = script.finishMessage ?? (calls.length ? "Model generated function call(s)." : undefined);
    if (message) candidate.finishMessage = message;
    return candidate;
  });
  const body = { candidates: fullCandidates, usageMetadata: usageAt(1), ...meta };

  // The same answer in pieces, for streamGenerateContent.
  const pieces = texts.map((text) => {
    const out: Json[][] = [];
    if (script.thoughts && includeThoughts) for (const t of split(script.thoughts, 2)) out.push([{ text: t, thought: true }]);
    if (calls.length && script.streamArguments) {
      for (const c of calls) {
        out.push([{ functionCall: { name: c.name, willContinue: true }, ...(c.thoughtSignature ? { thoughtSignature: c.thoughtSignature } : {}) }]);
        for (const arg of partialArgs(c.args ?? {})) out.push([{ functionCall: { partialArgs: [arg], willContinue: true } }]);
        out.push([{ functionCall: {} }]);
      }
    } else if (calls.length) {
      out.push(
        calls.map((c) => ({ functionCall: { name: c.name, args: c.args ?? {} }, ...(c.thoughtSignature ? { thoughtSignature: c.thoughtSignature } : {}) })),
      );
    } else {
      for (const t of split(text, 3)) out.push([{ text: t }]);
    }
    // Gemini 3 and function calls end on a part of their own: an empty text (with the signature).
    if (calls.length) out.push([{ text: "" }]);
    else if (textSignature && text) out.push([{ text: "", thoughtSignature: textSignature }]);
    return out;
  });
  // A candidate with nothing to say (blocked output) still gets one event, for its finishReason.
  const steps = pieces.map((p) => (p.length ? p : [null]));
  const total = Math.max(...steps.map((p) => p.length));
  const events: Json[] = [];
  for (let k = 0; k < total; k++) {
    const candidates = steps.flatMap((p, index) => {
      if (k >= p.length) return [];
      const c: Json = p[k] ? { content: { parts: p[k], role: "model" } } : {};
      if (k === p.length - 1) {
        c.finishReason = finishReason;
        if (filtered) c.safetyRatings = SAFETY_RATINGS;
      }
      c.index = index;
      return [c];
    });
    events.push({ candidates, usageMetadata: usageAt((k + 1) / total), ...meta });
  }
  return { body, events };
}

function split(text: string, n: number): string[] {
  const words = text.split(AFTER_SPACE);
  const size = Math.ceil(words.length / n);
  const out: string[] = [];
  for (let i = 0; i < words.length; i += size) out.push(words.slice(i, i + size).join(""));
  return out.length ? out : [text];
}

/** The arguments as Vertex streams them: one leaf per piece, strings in two halves. */
function partialArgs(args: unknown, path = "$"): Json[] {
  if (Array.isArray(args)) return args.flatMap((v, i) => partialArgs(v, `${path}[${i}]`));
  if (args && typeof args === "object") {
    return Object.entries(args).flatMap(([k, v]) => partialArgs(v, PLAIN_KEY.test(k) ? `${path}.${k}` : `${path}['${k.replace(QUOTE_OR_BACKSLASH, "\\$&")}']`));
  }
  if (typeof args === "string") {
    const half = Math.ceil(args.length / 2);
    return [
      { jsonPath: path, stringValue: args.slice(0, half), willContinue: true },
      { jsonPath: path, stringValue: args.slice(half) },
    ];
  }
  if (typeof args === "number") return [{ jsonPath: path, numberValue: args }];
  if (typeof args === "boolean") return [{ jsonPath: path, boolValue: args }];
  return [{ jsonPath: path, nullValue: "NULL_VALUE" }];
}

function lastUserText(request: Json): string {
  const contents: Json[] = field<Json[]>(request, "contents") ?? [];
  const user = [...contents].reverse().find((c) => field(c, "role") !== "model");
  const parts: Json[] = field<Json[]>(user, "parts") ?? [];
  const text = parts.map((p) => field<string>(p, "text") ?? "").join("");
  if (text) return text;
  const responses = parts.map((p) => field(field(p, "functionResponse"), "response")).filter(Boolean);
  return responses.length ? `Done: ${JSON.stringify(responses)}` : "OK";
}

function requestText(request: Json): string {
  return JSON.stringify(field(request, "contents") ?? []) + JSON.stringify(field(request, "systemInstruction") ?? "");
}
