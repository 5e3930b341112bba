import { ms } from "../format.ts";
import type { Trace } from "../types.ts";

/**
 * One bar per routing attempt on a shared time axis. The record keeps each attempt's duration, not
 * its start: attempts run one after another, so each starts where the last ended (waits between
 * retries are the gap to the trace's own latency, shown at the end of the axis).
 */
export function Attempts({ trace }: { trace: Trace }) {
  const spent = trace.attempts.reduce((s, a) => s + a.latency_ms, 0);
  const axis = Math.max(trace.latency_ms, spent, 1);
  let start = 0;
  return (
    <div className="attempts">
      {trace.attempts.map((a, i) => {
        const left = (start / axis) * 100;
        const width = Math.max((a.latency_ms / axis) * 100, 0.5);
        start += a.latency_ms;
        const ok = a.status !== null && a.status < 400;
        return (
          // biome-ignore lint/suspicious/noArrayIndexKey: attempts are a stored sequence; the position is the attempt
          <div className="attempt" key={i}>
            <div className="attempt-label">
              <span className="muted">{i + 1}.</span> {a.model} <span className="muted">({a.kind})</span>
            </div>
            <div className="attempt-track">
              <div className={`attempt-bar ${ok ? "ok" : "error"}`} style={{ left: `${left}%`, width: `${width}%` }} />
            </div>
            <div className="attempt-meta">
              <span className={`badge ${ok ? "ok" : "error"}`}>{a.status ?? "no answer"}</span>
              {a.error_type ? <span> {a.error_type}</span> : null}
              <span className="muted"> · {ms(a.latency_ms)}</span>
            </div>
          </div>
        );
      })}
      <div className="axis">
        <span>0</span>
        <span>{ms(axis)}</span>
      </div>
    </div>
  );
}
