/**
 * The parts of the Gemini API's generateContent wire format this adapter reads and writes
 * (https://ai.google.dev/api/generate-content). Responses are typed loosely: every field may be
 * missing, as the recorded responses show (empty parts, usage without counts mid-stream).
 */

/** The provider's name in messages, spelt as the registry spells it. */
export const PROVIDER = "gemini";

export type Json = Record<string, unknown>;

export interface Part {
  text?: string;
  thought?: boolean;
  thoughtSignature?: string;
  inlineData?: { mimeType: string; data: string };
  fileData?: { mimeType: string; fileUri: string };
  functionCall?: FunctionCall;
  functionResponse?: { name: string; response: Json };
}

export interface FunctionCall {
  name?: string;
  args?: Json;
  id?: string;
  /** Vertex's streamed arguments (streamFunctionCallArguments); see partial-args.ts. */
  partialArgs?: PartialArg[];
  willContinue?: boolean;
}

export interface PartialArg {
  jsonPath?: string;
  stringValue?: string;
  numberValue?: number;
  boolValue?: boolean;
  nullValue?: unknown;
  willContinue?: boolean;
}

export interface Content {
  role: "user" | "model";
  parts: Part[];
}

export interface GenerateContentRequest {
  contents: Content[];
  systemInstruction?: { parts: Part[] };
  tools?: Array<{ functionDeclarations: Json[] }>;
  toolConfig?: { functionCallingConfig: { mode: string; allowedFunctionNames?: string[] } };
  generationConfig?: Json;
}

export interface UsageMetadata {
  promptTokenCount?: number;
  candidatesTokenCount?: number;
  thoughtsTokenCount?: number;
  cachedContentTokenCount?: number;
  toolUsePromptTokenCount?: number;
  totalTokenCount?: number;
}

export interface Candidate {
  index?: number;
  content?: { role?: string; parts?: Part[] };
  finishReason?: string;
  finishMessage?: string;
}

export interface GenerateContentResponse {
  candidates?: Candidate[];
  promptFeedback?: { blockReason?: string; blockReasonMessage?: string };
  usageMetadata?: UsageMetadata;
  modelVersion?: string;
  responseId?: string;
  error?: unknown;
}
