import { count, ms, percent, usd } from "../format.ts";
import { Link, withQuery } from "../router.tsx";
import type { Activity } from "../types.ts";

/** The Traces filter each grouping maps to, so a row opens its traces (a token has no filter there). */
const FILTER: Record<string, string> = { model: "model", provider: "provider", alias: "alias", user: "user", tag: "tag" };

function Key({ by, value }: { by: string; value: string | null }) {
  if (value === null || value === "") return <span className="muted">none</span>;
  const filter = FILTER[by];
  return filter ? <Link to={withQuery("/traces", { [filter]: value })}>{value}</Link> : value;
}

/**
 * The activity of a window per model, provider, alias, token, user or tag. Grouped by model it
 * also shows what the prompt cache saved (cached tokens at the input rate minus the cache-read
 * rate); other groupings have no one price to say it with.
 */
export function Breakdown({ rows, by }: { rows: Activity["breakdown"]; by: string }) {
  const priced = by === "model";
  return (
    <table className="grid breakdown">
      <thead>
        <tr>
          <th>{by}</th>
          <th className="num">requests</th>
          <th className="num">errors</th>
          <th className="num">tokens in / out</th>
          <th className="num">cached</th>
          <th className="num">latency p50 / p95</th>
          <th className="num">cost</th>
          {priced ? <th className="num">cache savings</th> : null}
        </tr>
      </thead>
      <tbody>
        {rows.map((r) => (
          <tr key={r.key ?? ""}>
            <td>
              <Key by={by} value={r.key} />
            </td>
            <td className="num">{count(r.requests)}</td>
            <td className="num">
              {count(r.errors)} <span className="muted">({percent(r.errors, r.requests)})</span>
            </td>
            <td className="num">
              {count(r.input_tokens)} / {count(r.output_tokens)}
            </td>
            <td className="num">
              {count(r.cached_tokens)}
              {r.cached_tokens > 0 ? <span className="muted"> ({percent(r.cached_tokens, r.input_tokens)})</span> : null}
            </td>
            <td className="num">
              {ms(r.p50_ms)} / {ms(r.p95_ms)}
            </td>
            <td className="num">{usd(r.cost_usd)}</td>
            {priced ? (
              <td className="num" title={r.cache_savings_usd === null ? "No cache-read price known for this model" : undefined}>
                {usd(r.cache_savings_usd)}
              </td>
            ) : null}
          </tr>
        ))}
      </tbody>
    </table>
  );
}
