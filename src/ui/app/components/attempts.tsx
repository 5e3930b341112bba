import { ms } from "../format.ts";
import type { Trace } from "../types.ts";
import { waterfall } from "../waterfall.ts";

const pct = (v: number, axis: number) => `${(v / axis) * 100}%`;

/**
 * The request, then one bar per routing attempt, on the request's own time axis: each attempt
 * where it started, and a dashed line for a wait of a millisecond or more before it (a retry's
 * backoff; the engine's own fraction of a millisecond between attempts stays blank). Traces from
 * engines that did not record starts are drawn back to back, and say so.
 */
export function Attempts({ trace }: { trace: Trace }) {
  const w = waterfall(trace.attempts, trace.latency_ms);
  const axis = w.axisMs;
  return (
    <div className="attempts">
      <div className="attempt request">
        <div className="attempt-label muted">whole request</div>
        <div className="attempt-track">
          <div className="attempt-bar total" style={{ left: 0, width: pct(trace.latency_ms, axis) }} title={`The request took ${ms(trace.latency_ms)}`} />
        </div>
        <div className="attempt-meta muted">{ms(trace.latency_ms)}</div>
      </div>
      {trace.attempts.map((a, i) => {
        const lane = w.lanes[i]!;
        const ok = a.status !== null && a.status < 400;
        return (
          // biome-ignore lint/suspicious/noArrayIndexKey: attempts are a stored sequence; the position is the attempt
          <div className="attempt" key={i}>
            <div className="attempt-label" title={a.model}>
              <span className="muted">{i + 1}.</span> {a.model} <span className="muted">({a.kind})</span>
            </div>
            <div className="attempt-track">
              {lane.waitMs >= 1 ? (
                <div
                  className="attempt-wait"
                  style={{ left: pct(lane.startMs - lane.waitMs, axis), width: pct(lane.waitMs, axis) }}
                  title={`Idle for ${ms(lane.waitMs)}`}
                />
              ) : null}
              <div
                className={`attempt-bar ${ok ? "ok" : "error"}`}
                style={{ left: pct(lane.startMs, axis), width: `max(${pct(lane.latencyMs, axis)}, 2px)` }}
                title={`Started at ${ms(lane.startMs)}, took ${ms(lane.latencyMs)}`}
              />
            </div>
            <div className="attempt-meta">
              <span className={`badge ${ok ? "ok" : "error"}`}>{a.status ?? "no answer"}</span>
              {a.error_type ? <span> {a.error_type}</span> : null}
              <span className="muted"> · {ms(a.latency_ms)}</span>
              {lane.waitMs >= 1 ? (
                // Only a retry waits on purpose (its backoff); before a fallback the gap is the engine's own bookkeeping.
                <span className="muted wait-note"> · {a.kind === "retry" ? `after a ${ms(lane.waitMs)} wait` : `${ms(lane.waitMs)} after the one before`}</span>
              ) : null}
            </div>
          </div>
        );
      })}
      <div className="axis">
        <span>0</span>
        <span>{ms(axis / 2)}</span>
        <span>{ms(axis)}</span>
      </div>
      {w.measured ? null : <p className="muted axis-note">This engine did not record when each attempt started: they are drawn back to back.</p>}
    </div>
  );
}
