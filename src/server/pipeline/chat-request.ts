import { ApiError } from "../../errors/vocabulary.ts";
import { obviouslyValid } from "../../openai/quick-valid.ts";
import { ChatRequest, type ChatRequestBody, paramPath } from "../../openai/schema.ts";
import { exceedsDepth } from "../../http/body.ts";

export interface ChatRequestLimits {
  maxJsonDepth: number;
  maxMessages: number;
}

/**
 * A parsed body → a chat completions request, or ApiError 400 naming the bad parameter. The
 * client's own object is returned, not zod's copy: unknown fields must reach the upstream as sent.
 */
export function chatRequest(raw: unknown, limits: ChatRequestLimits): ChatRequestBody {
  if (exceedsDepth(raw, limits.maxJsonDepth)) throw new ApiError("too_deep", `The request nests JSON deeper than ${limits.maxJsonDepth} levels.`);
  const checked = obviouslyValid(raw) ? { success: true as const } : ChatRequest.safeParse(raw);
  if (!checked.success) {
    const issue = checked.error.issues[0];
    const param = paramPath(issue.path) || null;
    throw new ApiError("invalid_value", `Invalid value for '${param ?? "body"}': ${issue.message}`, param);
  }
  const body = raw as ChatRequestBody;
  if (body.messages.length > limits.maxMessages) {
    throw new ApiError("too_many_messages", `Too many messages: ${body.messages.length}, the limit is ${limits.maxMessages}.`, "messages");
  }
  return body;
}
