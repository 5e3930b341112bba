import { ApiError } from "../../errors/vocabulary.ts";
import { exceedsDepth } from "../../http/body.ts";
import { EmbeddingsRequest, type EmbeddingsRequestBody, MAX_EMBEDDING_INPUTS } from "../../openai/embeddings.ts";
import { paramPath } from "../../openai/schema.ts";

const INPUT_SHAPES = `a non-empty string, an array of up to ${MAX_EMBEDDING_INPUTS} non-empty strings, an array of token ids, or an array of up to ${MAX_EMBEDDING_INPUTS} non-empty arrays of token ids`;

/**
 * The validate step of POST /v1/embeddings: a parsed body → an embeddings request, or ApiError 400
 * naming the bad parameter, as OpenAI would refuse it. The client's own object is returned, not
 * zod's copy: fields the schema does not name reach OpenAI-dialect upstreams as sent.
 */
export function embeddingsRequest(raw: unknown, limits: { maxJsonDepth: number }): EmbeddingsRequestBody {
  if (exceedsDepth(raw, limits.maxJsonDepth)) throw new ApiError("too_deep", `The request nests JSON deeper than ${limits.maxJsonDepth} levels.`);
  const checked = EmbeddingsRequest.safeParse(raw);
  if (!checked.success) {
    const issue = checked.error.issues[0];
    if (issue.path[0] === "input") {
      const message =
        raw && typeof raw === "object" && "input" in raw ? `'$.input' is invalid: expected ${INPUT_SHAPES}.` : "Missing required parameter: 'input'.";
      throw new ApiError("invalid_value", message, "input");
    }
    const param = paramPath(issue.path) || null;
    throw new ApiError("invalid_value", `Invalid value for '${param ?? "body"}': ${issue.message}`, param);
  }
  return raw as EmbeddingsRequestBody;
}
