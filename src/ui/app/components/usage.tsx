import { costSplit } from "../cost-split.ts";
import { count, usd } from "../format.ts";
import type { Trace } from "../types.ts";

/**
 * The call's tokens by kind and what each cost, at the rates the engine reports for the model
 * today (`_price_per_million`). The total is the cost recorded when the call was made.
 */
export function Usage({ trace }: { trace: Trace }) {
  const split = costSplit(trace);
  if (!split) return <p className="muted">No usage: the call ended before an answer.</p>;
  return (
    <div className="usage">
      <table className="grid usage-table">
        <thead>
          <tr>
            <th>tokens</th>
            <th className="num">count</th>
            <th className="num">rate per million</th>
            <th className="num">cost</th>
          </tr>
        </thead>
        <tbody>
          {split.lines.map((l) => (
            <tr key={l.label} className={l.within ? "within" : undefined}>
              <td>{l.label}</td>
              <td className="num">{count(l.tokens)}</td>
              <td className="num">{l.within ? <span className="muted">in output</span> : usd(l.rate)}</td>
              <td className="num">{l.within ? null : usd(l.usd)}</td>
            </tr>
          ))}
        </tbody>
        <tfoot>
          <tr>
            <td>Total, as charged</td>
            <td className="num">{count((trace.input_tokens ?? 0) + (trace.output_tokens ?? 0))}</td>
            <td />
            <td className="num">{usd(trace.cost_usd)}</td>
          </tr>
        </tfoot>
      </table>
      {trace._price_per_million === null ? (
        <p className="muted usage-note">No known price for {trace.selected_model ?? "this model"}: the tokens alone.</p>
      ) : !split.matches && split.estimate !== null && trace.cost_usd !== null ? (
        <p className="muted usage-note">
          At today's rates these tokens come to {usd(split.estimate)}; the call was priced when it was made, which also counts cache writes and tiered rates.
        </p>
      ) : null}
    </div>
  );
}
