import { contentParts, contentText } from "../../openai/content.ts";
import { rejectRequest } from "../../errors/vocabulary.ts";
import { mergeSameRoleTurns } from "../turns.ts";
import { thoughtSignatureOf } from "./thought-signature.ts";
import type { Content, Json, Part } from "./wire.ts";
import { lookup } from "../lookup.ts";
import { PROVIDER } from "./wire.ts";

const GEMMA = /^(?:models\/)?gemma-/;

/**
 * OpenAI messages → Gemini `contents` plus `systemInstruction`.
 * - system and developer messages, wherever they are, become `systemInstruction` (Gemini has no
 *   system role inside `contents`), one part each, in order (for Gemma: the first user turn);
 * - assistant → role "model": text, then one `functionCall` part per tool call, the call's thought
 *   signature back on its part;
 * - tool (and legacy function) messages → `functionResponse` parts of a user turn, named after the
 *   matching tool call; consecutive turns of one role merge into one Content, so parallel results
 *   travel together and the roles alternate as older Gemini models require.
 */
export function nativeMessages(
  messages: Array<Record<string, unknown> & { role: string }>,
  model: string,
): {
  contents: Content[];
  systemInstruction?: { parts: Part[] };
} {
  const contents: Content[] = [];
  const system: Part[] = [];
  const callNames = new Map<string, string>();
  const push = mergeSameRoleTurns(contents, "parts");

  messages.forEach((m, i) => {
    const param = `messages[${i}]`;
    switch (m.role) {
      case "system":
      case "developer": {
        const text = contentText(m.content, `${param}.content`, PROVIDER);
        if (text) system.push({ text });
        break;
      }
      case "user":
        push(
          "user",
          contentParts(m.content, `${param}.content`, PROVIDER).flatMap((p, j) => userPart(p, `${param}.content[${j}]`)),
        );
        break;
      case "assistant":
        push("model", assistantParts(m, param, callNames));
        break;
      case "tool": {
        const id = m.tool_call_id as string;
        const name = callNames.get(id);
        if (!name) {
          throw rejectRequest(`${param}.tool_call_id '${id}' does not match a tool call of an earlier assistant message`, `${param}.tool_call_id`);
        }
        push("user", [{ functionResponse: { name, response: toolResponse(contentText(m.content, `${param}.content`, PROVIDER)) } }]);
        break;
      }
      case "function":
        push("user", [{ functionResponse: { name: m.name as string, response: toolResponse(typeof m.content === "string" ? m.content : "") } }]);
        break;
      default:
        throw rejectRequest(`${param}.role '${m.role}' is not supported by ${PROVIDER}`, `${param}.role`);
    }
  });

  if (!contents.length) {
    throw rejectRequest(`${PROVIDER} needs at least one user or assistant message besides system messages`, "messages");
  }
  if (!system.length) return { contents };
  // Gemma on the Gemini API refuses systemInstruction ("Developer instruction is not enabled");
  // like Google's own Gemma integration, the instructions open the first user turn instead.
  if (GEMMA.test(model)) {
    if (contents[0].role === "user") contents[0].parts.unshift(...system);
    else contents.unshift({ role: "user", parts: system });
    return { contents };
  }
  return { contents, systemInstruction: { parts: system } };
}

function userPart(p: ReturnType<typeof contentParts>[number], param: string): Part[] {
  if (p.type === "text") return p.text ? [{ text: p.text }] : [];
  if (p.type === "image") return [{ inlineData: { mimeType: p.mediaType, data: p.data } }];
  return [{ fileData: { mimeType: imageMimeType(p.url, `${param}.image_url.url`), fileUri: p.url } }];
}

function assistantParts(m: Record<string, unknown>, param: string, callNames: Map<string, string>): Part[] {
  const parts: Part[] = [];
  const text = assistantText(m.content, `${param}.content`);
  if (text) parts.push({ text });
  const calls = Array.isArray(m.tool_calls) ? m.tool_calls : [];
  calls.forEach((call: any, j) => {
    const p = `${param}.tool_calls[${j}]`;
    if (call.type !== "function") throw rejectRequest(`${p}.type '${call.type}' is not supported by ${PROVIDER}`, `${p}.type`);
    callNames.set(call.id, call.function.name);
    const signature = thoughtSignatureOf(call);
    parts.push({
      functionCall: { name: call.function.name, args: callArguments(call.function.arguments, `${p}.function.arguments`) },
      ...(signature ? { thoughtSignature: signature } : {}),
    });
  });
  const legacy = m.function_call as { name?: unknown; arguments?: unknown } | null | undefined;
  if (legacy && typeof legacy.name === "string") {
    parts.push({ functionCall: { name: legacy.name, args: callArguments(legacy.arguments, `${param}.function_call.arguments`) } });
  }
  return parts;
}

/** Assistant content may hold refusal parts besides text; both are what the model said. */
function assistantText(content: unknown, param: string): string {
  if (content == null || typeof content === "string") return content ?? "";
  if (!Array.isArray(content)) throw rejectRequest(`${param} must be a string or an array of content parts`, param);
  return content
    .map((part: any, j) => {
      if (part?.type === "text" && typeof part.text === "string") return part.text;
      if (part?.type === "refusal" && typeof part.refusal === "string") return part.refusal;
      throw rejectRequest(`${param}[${j}]: assistant content parts of type '${part?.type}' are not supported by ${PROVIDER}`, `${param}[${j}].type`);
    })
    .join("");
}

/** Gemini's `args` is a JSON object (a protobuf Struct); "" means a call without arguments. */
function callArguments(raw: unknown, param: string): Json {
  if (raw === "" || raw == null) return {};
  let parsed: unknown;
  try {
    parsed = typeof raw === "string" ? JSON.parse(raw) : raw;
  } catch {
    throw rejectRequest(`${param} is not valid JSON; ${PROVIDER} needs tool call arguments as a JSON object`, param);
  }
  if (!parsed || typeof parsed !== "object" || Array.isArray(parsed)) {
    throw rejectRequest(`${param} must be a JSON object for ${PROVIDER}`, param);
  }
  return parsed as Json;
}

/** `functionResponse.response` must be an object: a JSON object result is sent as is, anything else as {result}. */
export function toolResponse(text: string): Json {
  try {
    const parsed = JSON.parse(text);
    if (parsed && typeof parsed === "object" && !Array.isArray(parsed)) return parsed;
    return { result: parsed };
  } catch {
    return { result: text };
  }
}

const IMAGE_TYPES: Record<string, string> = {
  png: "image/png",
  jpg: "image/jpeg",
  jpeg: "image/jpeg",
  webp: "image/webp",
  heic: "image/heic",
  heif: "image/heif",
};
const EXTENSION = /\.([a-z0-9]+)$/i;

/**
 * Gemini's `fileData` needs the MIME type, which an OpenAI image URL does not carry: it is taken
 * from the URL's extension (the image types Gemini documents), and a URL without one is refused
 * rather than guessed, with the way out (a data URL) in the message.
 */
function imageMimeType(url: string, param: string): string {
  let ext: string | undefined;
  try {
    ext = EXTENSION.exec(new URL(url).pathname)?.[1]?.toLowerCase();
  } catch {
    ext = undefined;
  }
  const type = ext ? lookup(IMAGE_TYPES, ext) : undefined;
  if (!type) {
    throw rejectRequest(
      `${PROVIDER} needs an image's MIME type, and it cannot be told from this URL (known extensions: ${Object.keys(IMAGE_TYPES).join(", ")}); send the image as a base64 data URL instead`,
      param,
    );
  }
  return type;
}
