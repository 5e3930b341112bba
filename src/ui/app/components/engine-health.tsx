import { healthWords } from "../../../routing/health.ts";
import { useApi } from "../api.ts";
import { count, uptime } from "../format.ts";
import type { EngineStatus } from "../types.ts";

const SINKS: Record<string, string> = { file: "Local files", clickhouse: "ClickHouse", off: "Off: nothing is recorded" };
// A state the traces are safe in, one they are waiting in, or one losing time: green, amber, red.
const TONE: Record<string, string> = { ok: "ok", connecting: "warn", replaying: "warn", failing: "error", down: "error", closed: "warn", off: "warn" };

function Traces({ t }: { t: EngineStatus["traces"] }) {
  return (
    <section className="panel" aria-label="Traces">
      <h3>Traces</h3>
      <p className="panel-line">
        {SINKS[t.sink] ?? t.sink} {t.sink === "off" ? null : <span className={`badge ${TONE[t.state] ?? "warn"}`}>{t.state}</span>}
      </p>
      {t.sink === "off" ? null : (
        <p className="muted panel-line">
          {count(t.written)} written · {count(t.queued)} queued · <span className={t.dropped ? "error-text" : undefined}>{count(t.dropped)} dropped</span>
          {t.spooled_rows ? ` · ${count(t.spooled_rows)} waiting in the spool` : null}
        </p>
      )}
      {t.last_error ? <p className="error-text panel-line">{t.last_error}</p> : null}
    </section>
  );
}

function Providers({ providers }: { providers: EngineStatus["providers"] }) {
  return (
    <section className="panel" aria-label="Providers">
      <h3>Providers with a key</h3>
      {providers.length === 0 ? (
        <p className="panel-line">
          None yet: add one with <code>opentracy keys set &lt;provider&gt;</code> or its environment variable.
        </p>
      ) : (
        <table className="mini">
          <tbody>
            {providers.map((p) => (
              <tr key={p.name}>
                <td>{p.name}</td>
                <td className="muted">{p.key_source ?? "no key needed"}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </section>
  );
}

function TargetBadge({ t }: { t: EngineStatus["aliases"][number]["targets"][number] }) {
  if (t.alias) return <span className="muted">alias</span>;
  if (!t.callable) return <span className="badge error">no key</span>;
  const tone = t.state === "ok" ? "ok" : t.state === "trying_again" ? "warn" : "error";
  return (
    <span className={`badge ${tone}`} title={t.last_error ?? undefined}>
      {healthWords(t)}
    </span>
  );
}

function Aliases({ aliases }: { aliases: EngineStatus["aliases"] }) {
  return (
    <section className="panel wide" aria-label="Aliases">
      <h3>Aliases</h3>
      {aliases.length === 0 ? (
        <p className="panel-line muted">
          None: <code>opentracy alias add smart openai/gpt-4o --fallback anthropic/claude-sonnet-4-5</code> names a chain the app can call as{" "}
          <code>model="smart"</code>.
        </p>
      ) : (
        <table className="mini">
          <tbody>
            {aliases.flatMap((a) =>
              a.targets.map((t, i) => (
                // biome-ignore lint/suspicious/noArrayIndexKey: a chain's targets are in config order; the position is the target
                <tr key={`${a.name}/${i}`}>
                  <td>
                    {i === 0 ? (
                      <>
                        <strong>{a.name}</strong> <span className="muted">{a.strategy}</span>
                      </>
                    ) : null}
                  </td>
                  <td>
                    <span className="muted">{i + 1}.</span> {t.ref}
                    {t.weight !== null ? <span className="muted"> (w={t.weight})</span> : null}
                  </td>
                  <td className="num">
                    <TargetBadge t={t} />
                  </td>
                </tr>
              )),
            )}
          </tbody>
        </table>
      )}
    </section>
  );
}

/** The engine's own state, from /api/engine: where traces go, who can be called, how each alias's targets are doing. */
export function EngineHealth() {
  const engine = useApi<EngineStatus>("/api/engine");
  if (engine.error) return <p className="error-text">Could not read the engine's health: {engine.error.message}</p>;
  if (!engine.data) return null;
  const e = engine.data;
  return (
    <>
      <div className="section-head">
        <h2>Engine</h2>
        <span className="muted">
          opentracy {e.version} · up {uptime(e.uptime_s)}
        </span>
      </div>
      <div className="panels">
        <Traces t={e.traces} />
        <Providers providers={e.providers} />
        <Aliases aliases={e.aliases} />
      </div>
    </>
  );
}
