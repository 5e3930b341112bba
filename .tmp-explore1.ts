import { findProvider } from "@pydantic/genai-prices";
const ids = ["openai","azure","anthropic","google","aws","cohere","groq","mistral","deepseek","perplexity","cerebras","together","fireworks","x-ai","openrouter","sambanova","ollama"];
for (const id of ids) {
  const p = findProvider({ providerId: id });
  console.log(id, "=>", p?.id, p ? `models=${p.models.length} fallback=${JSON.stringify(p.fallback_model_providers)} provider_match=${JSON.stringify(p.provider_match)}` : "");
}
