/**
 * What the request translation must know about a Claude model, read from its id by family and
 * version rather than from a list of ids, so a dated snapshot (`claude-sonnet-4-5-20250929`), an
 * alias (`claude-sonnet-4-5`), the older naming (`claude-3-7-sonnet-latest`) and a model released
 * after this table (`claude-opus-5-5`) all land in the right row.
 *
 * Sources: platform.claude.com models overview ("Max output" row of each model page), the thinking
 * troubleshooting page ("Thinking support, defaults, and rejected configurations by model"), and
 * the migration guides (sampling parameters removed from Claude Opus 4.7 on).
 *
 * | model                              | max output | thinking via reasoning_effort            | temperature / top_p  |
 * |------------------------------------|-----------:|------------------------------------------|----------------------|
 * | claude-3-haiku, claude-3-opus      |      4,096 | budget_tokens (the API has no thinking)  | both                 |
 * | claude-3-5-sonnet, claude-3-5-haiku|      8,192 | budget_tokens (the API has no thinking)  | both                 |
 * | claude-3-7-sonnet                  |     64,000 | budget_tokens                            | both                 |
 * | claude-opus-4                      |     32,000 | budget_tokens                            | both                 |
 * | claude-opus-4-1                    |     32,000 | budget_tokens                            | one of them          |
 * | claude-sonnet-4                    |     64,000 | budget_tokens                            | both                 |
 * | claude-sonnet-4-5, claude-opus-4-5 |     64,000 | budget_tokens                            | one of them          |
 * | claude-haiku-4-5                   |     64,000 | budget_tokens                            | one of them          |
 * | claude-sonnet-4-6                  |     64,000 | adaptive + effort (budget deprecated)    | one of them          |
 * | claude-opus-4-6                    |    128,000 | adaptive + effort (budget deprecated)    | one of them          |
 * | claude-opus-4-7, claude-opus-4-8   |    128,000 | adaptive + effort (budget → 400)         | neither (400)        |
 * | claude-{sonnet,opus}-5 and later   |    128,000 | adaptive + effort (budget → 400)         | neither (400)        |
 * | claude-haiku-5 and later           |     64,000 | adaptive + effort (budget → 400)         | neither (400)        |
 * | claude-fable-*, claude-mythos-*    |    128,000 | adaptive + effort (budget → 400)         | neither (400)        |
 * | anything else                      |      4,096 | budget_tokens                            | both                 |
 *
 * "one of them": the API answers "`temperature` and `top_p` cannot both be specified for this
 * model" (reported for Sonnet 4.5/4.6, Haiku 4.5, Opus 4.1).
 *
 * The max output is the default `max_tokens` when the client sends none: OpenAI's meaning of an
 * absent limit is "as long as the model can go", and Anthropic requires a number. Where a family's
 * limit is uncertain (a future Haiku, an id we cannot read) the lower value is used: too low only
 * ends an answer early with finish_reason "length", too high is a 400 on every request.
 */

export type ThinkingMode = "budget" | "adaptive";

export interface ModelTraits {
  maxOutput: number;
  thinking: ThinkingMode;
  /** The API answers `temperature`/`top_p` with a 400 ("`temperature` is deprecated for this model"). */
  rejectsSampling: boolean;
  /** The API takes `temperature` or `top_p`, not both. */
  oneSamplingParam: boolean;
}

type Family = "opus" | "sonnet" | "haiku" | "fable" | "mythos";

// claude-<family>-<major>[-<minor>] (4.x and later) or claude-<major>[-<minor>]-<family> (3.x).
// A minor is one digit, so a date (`-20250514`) is never read as a version.
const NEW_NAMING = /^claude-(opus|sonnet|haiku|fable|mythos)(?:-(\d+)(?:[-.](\d)(?=$|[-@.:]))?)?(?=$|[-@.:])/;
const OLD_NAMING = /^claude-(\d+)(?:[-.](\d))?-(opus|sonnet|haiku)(?=$|[-@.:])/;

const UNKNOWN: ModelTraits = { maxOutput: 4096, thinking: "budget", rejectsSampling: false, oneSamplingParam: false };

export function modelTraits(model: string): ModelTraits {
  const id = model.toLowerCase();
  const fresh = NEW_NAMING.exec(id);
  if (fresh) return traitsOf(fresh[1] as Family, fresh[2] === undefined ? null : Number(fresh[2]), Number(fresh[3] ?? 0));
  const old = OLD_NAMING.exec(id);
  if (old) return traitsOf(old[3] as Family, Number(old[1]), Number(old[2] ?? 0));
  return UNKNOWN;
}

function traitsOf(family: Family, major: number | null, minor: number): ModelTraits {
  // Fable and Mythos (including the unversioned claude-mythos-preview) are the adaptive-only generation.
  if (family === "fable" || family === "mythos") {
    return { maxOutput: 128_000, thinking: "adaptive", rejectsSampling: true, oneSamplingParam: true };
  }
  if (major === null) return UNKNOWN;
  const version = major + minor / 10;
  return {
    maxOutput: maxOutput(family, major, version),
    thinking: version >= 4.6 ? "adaptive" : "budget",
    rejectsSampling: version >= 4.7,
    oneSamplingParam: version >= 4.5 || (family === "opus" && version >= 4.1),
  };
}

function maxOutput(family: Family, major: number, version: number): number {
  if (major < 3) return 4096;
  if (major === 3) {
    if (version >= 3.7) return 64_000;
    return version >= 3.5 ? 8192 : 4096;
  }
  if (family === "haiku") return 64_000;
  if (family === "sonnet") return major >= 5 ? 128_000 : 64_000;
  // opus
  if (version >= 4.6) return 128_000;
  return version >= 4.5 ? 64_000 : 32_000;
}
