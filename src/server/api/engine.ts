import type { TokenEntry } from "../../auth/tokens.ts";
import { aliasViews, type EngineStatus, sinkView } from "../../routing/engine-status.ts";
import { VERSION } from "../../version.ts";
import type { Engine } from "../engine.ts";
import { readyProviders } from "../startup-summary.ts";

type EngineParts = Pick<Engine, "settings" | "env" | "health" | "startedAt">;

/**
 * GET /api/engine: what /health and the settings already know, for the UI's Overview: the trace
 * sink's state, the aliases with their targets' health, the providers with credentials and where
 * each key comes from (a name, never the key). Read from memory (the Bedrock credentials step may
 * read ~/.aws files), so it works with traces off too. The sink's last error, which can name
 * internal hosts, is for an admin token (or an engine without tokens) only.
 */
export function engineStatus(engine: EngineParts, token: TokenEntry | null, traces: Record<string, unknown>): EngineStatus {
  const settings = engine.settings.current;
  const providers = readyProviders(settings, engine.env);
  const ready = new Set(providers.map((p) => p.name));
  return {
    version: VERSION,
    uptime_s: Math.round((Date.now() - engine.startedAt) / 1000),
    traces: sinkView(traces, token === null || token.admin),
    aliases: aliasViews(settings.config.aliases, (ref) => engine.health.state(ref), ready),
    providers,
    failing_targets: engine.health.snapshot(),
  };
}
