import { type FormEvent, useState } from "react";
import { ApiFailure, send, useApi, useAuth } from "../../api.ts";
import { Empty, Loading } from "../../components/states.tsx";
import { ConfirmButton, ErrorNote, names, SaveOrCancel, SettingsFailed, useChange } from "./parts.tsx";
import type { AliasConfig, AliasEntry, Explanation, List } from "./types.ts";

// Aliases: each with the explanation `route explain` prints (per target: key masked and where it
// comes from, problem, health, price per million), and an editor for the ordered targets.

const path = (name: string) => `/api/settings/aliases/${encodeURIComponent(name)}`;

/** As `route explain` prints prices: four significant digits. */
const price = (n: number) => `$${Number(n.toPrecision(4))}`;

function Health({ t }: { t: Explanation["targets"][number] }) {
  if (t.health === null) return <span className="muted">unknown</span>;
  if (t.health === "ok") return <span className="badge ok">ok</span>;
  if (t.health === "trying_again") return <span className="badge neutral">trying again</span>;
  const until = t.cooling_until ? ` until ${new Date(t.cooling_until).toTimeString().slice(0, 8)}` : "";
  return <span className="badge error">cooling down{until}</span>;
}

/** The chain as the engine would try it now; a target naming another alias is shown expanded, as the engine expands it. */
export function ExplainTable({ explain }: { explain: Explanation }) {
  const weighted = explain.strategy === "weighted";
  return (
    <table className="grid explain">
      <thead>
        <tr>
          <th className="num">#</th>
          <th>target</th>
          {weighted ? <th className="num">weight</th> : null}
          <th>key</th>
          <th>health</th>
          <th className="num">per 1M in / out</th>
        </tr>
      </thead>
      <tbody>
        {explain.targets.map((t, i) => (
          // biome-ignore lint/suspicious/noArrayIndexKey: a chain may name the same target twice; the order is fixed
          <tr key={`${t.target}-${i}`} className={t.problem ? "failed-row" : undefined}>
            <td className="num muted">{i + 1}</td>
            <td>
              <code>{t.target}</code>
            </td>
            {weighted ? <td className="num">{t.weight}</td> : null}
            <td className="wrap">
              {t.problem ? (
                <span className="error-text">{t.problem}</span>
              ) : t.key ? (
                <>
                  <code>{t.key}</code> <span className="muted">{t.key_source}</span>
                </>
              ) : (
                <span className="muted">none needed</span>
              )}
            </td>
            <td>
              <Health t={t} />
            </td>
            <td className="num">
              {t.price_per_million ? `${price(t.price_per_million.input)} / ${price(t.price_per_million.output)}` : <span className="muted">unknown</span>}
            </td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

function summary(e: Explanation): string {
  const how = e.strategy === "weighted" ? "weighted: one target drawn by weight, then the others in order" : "fallback: in order, the next when one fails";
  return `${how}; up to ${e.retry.max_attempts} attempts per target, no new attempt after ${e.retry.deadline_ms / 1000} s`;
}

function AliasCard({ entry, onEdit, onDeleted }: { entry: AliasEntry; onEdit: () => void; onDeleted: () => void }) {
  const [error, setError] = useState<ApiFailure | null>(null);
  const through = entry.alias.targets.map((t) => (typeof t === "string" ? t : t.model)).filter((t) => !t.includes("/"));
  const remove = async () => {
    setError(null);
    try {
      await send("DELETE", path(entry.name));
      onDeleted();
    } catch (err) {
      setError(err instanceof ApiFailure ? err : new ApiFailure(0, String(err), null));
    }
  };
  return (
    <section className="card" data-alias={entry.name}>
      <div className="card-head">
        <h2>
          <code>{entry.name}</code>
        </h2>
        <div className="actions">
          <button type="button" className="quiet" onClick={onEdit}>
            Edit
          </button>
          <ConfirmButton label="Delete" question={`Delete the alias ${entry.name}? Apps asking for it get a 404.`} yes="Delete" onConfirm={remove} />
        </div>
      </div>
      <p className="muted">{summary(entry.explain)}</p>
      {through.length ? (
        <p className="muted">
          Goes through{" "}
          {through.map((n, i) => (
            <span key={n}>
              {i ? ", " : ""}
              <code>{n}</code>
            </span>
          ))}
          : {through.length === 1 ? "that alias's targets are" : "their targets are"} listed in its place, as the engine tries them.
        </p>
      ) : null}
      {entry.explain.params ? (
        <p className="muted">
          Sets <code>{JSON.stringify(entry.explain.params)}</code> on every request.
        </p>
      ) : null}
      <ExplainTable explain={entry.explain} />
      <ErrorNote error={error} />
    </section>
  );
}

interface Draft {
  name: string;
  strategy: "fallback" | "weighted";
  targets: { model: string; weight: string }[];
  params: string;
  retry: string;
}

function draftOf(entry: AliasEntry | null): Draft {
  if (!entry) return { name: "", strategy: "fallback", targets: [{ model: "", weight: "" }], params: "", retry: "" };
  const a = entry.alias;
  return {
    name: entry.name,
    strategy: a.strategy ?? "fallback",
    targets: a.targets.map((t) =>
      typeof t === "string" ? { model: t, weight: "" } : { model: t.model, weight: t.weight === undefined ? "" : String(t.weight) },
    ),
    params: a.params ? JSON.stringify(a.params, null, 2) : "",
    retry: a.retry ? JSON.stringify(a.retry, null, 2) : "",
  };
}

/** An optional JSON object typed in a textarea; a mistake is named like the API names one. */
function jsonField(text: string, param: string): Record<string, unknown> | undefined {
  if (!text.trim()) return undefined;
  let v: unknown;
  try {
    v = JSON.parse(text);
  } catch (e) {
    throw new ApiFailure(400, `${param}: not valid JSON (${(e as Error).message})`, "invalid_json", param);
  }
  if (!v || typeof v !== "object" || Array.isArray(v))
    throw new ApiFailure(400, `${param}: must be a JSON object, like {"max_tokens": 512}`, "invalid_value", param);
  return v as Record<string, unknown>;
}

function AliasEditor({
  entry,
  taken,
  onSaved,
  onCancel,
}: {
  entry: AliasEntry | null;
  taken: string[];
  onSaved: (saved: AliasEntry) => void;
  onCancel: () => void;
}) {
  const [d, setD] = useState(() => draftOf(entry));
  const { busy, error, run } = useChange();
  const setTarget = (i: number, patch: Partial<Draft["targets"][number]>) =>
    setD({ ...d, targets: d.targets.map((t, j) => (j === i ? { ...t, ...patch } : t)) });
  const move = (i: number, by: number) => {
    const targets = [...d.targets];
    [targets[i], targets[i + by]] = [targets[i + by]!, targets[i]!];
    setD({ ...d, targets });
  };
  const submit = (e: FormEvent) => {
    e.preventDefault();
    const name = d.name.trim();
    return run(async () => {
      if (!entry && taken.includes(name))
        throw new ApiFailure(409, `An alias named ${name} exists: edit it instead, or pick another name.`, "setting_in_use", "name");
      const body: AliasConfig = {
        targets: d.targets.map((t) => (t.weight.trim() ? { model: t.model.trim(), weight: Number(t.weight) } : t.model.trim())),
      };
      if (d.strategy === "weighted" || entry?.alias.strategy) body.strategy = d.strategy;
      const params = jsonField(d.params, "params");
      const retry = jsonField(d.retry, "retry");
      if (params) body.params = params;
      if (retry) body.retry = retry as AliasConfig["retry"];
      onSaved(await send<AliasEntry>("PUT", path(name), body));
    });
  };
  const mark = (param: string) => (names(error, param) ? { "aria-invalid": true, className: "invalid" } : {});
  return (
    <form className="card alias-editor" onSubmit={submit}>
      <h2>{entry ? `Edit ${entry.name}` : "New alias"}</h2>
      <div className="row">
        <label>
          <span>Name</span>
          <input
            name="name"
            value={d.name}
            onChange={(e) => setD({ ...d, name: e.target.value })}
            disabled={!!entry}
            required
            placeholder="smart"
            pattern="[A-Za-z0-9][A-Za-z0-9._:\-]*"
            title="letters, digits, '.', '_', ':' and '-'; no '/'"
            {...mark("name")}
          />
        </label>
        <label>
          <span>Strategy</span>
          <select name="strategy" value={d.strategy} onChange={(e) => setD({ ...d, strategy: e.target.value as Draft["strategy"] })} {...mark("strategy")}>
            <option value="fallback">fallback: in order</option>
            <option value="weighted">weighted: drawn by weight</option>
          </select>
        </label>
      </div>
      <h3>Targets, in order</h3>
      <ol className="targets">
        {d.targets.map((t, i) => (
          // biome-ignore lint/suspicious/noArrayIndexKey: the position is the identity (targets are reordered by moving values)
          <li key={i}>
            <input
              name={`target-${i}`}
              aria-label={`Target ${i + 1}`}
              value={t.model}
              onChange={(e) => setTarget(i, { model: e.target.value })}
              placeholder="provider/model, or another alias"
              list="alias-names"
              required
              spellCheck={false}
              {...mark(`targets.${i}`)}
            />
            <input
              name={`weight-${i}`}
              aria-label={`Weight of target ${i + 1}`}
              className={names(error, `targets.${i}`) ? "weight invalid" : "weight"}
              type="number"
              min="0"
              step="any"
              value={t.weight}
              onChange={(e) => setTarget(i, { weight: e.target.value })}
              placeholder="weight"
              title="Optional; used by the weighted strategy (default 1)"
            />
            <button type="button" className="quiet icon" aria-label={`Move target ${i + 1} up`} disabled={i === 0} onClick={() => move(i, -1)}>
              ↑
            </button>
            <button
              type="button"
              className="quiet icon"
              aria-label={`Move target ${i + 1} down`}
              disabled={i === d.targets.length - 1}
              onClick={() => move(i, 1)}
            >
              ↓
            </button>
            <button
              type="button"
              className="quiet icon"
              aria-label={`Remove target ${i + 1}`}
              disabled={d.targets.length === 1}
              onClick={() => setD({ ...d, targets: d.targets.filter((_, j) => j !== i) })}
            >
              ✕
            </button>
          </li>
        ))}
      </ol>
      <datalist id="alias-names">
        {taken
          .filter((n) => n !== entry?.name)
          .map((n) => (
            <option key={n} value={n} />
          ))}
      </datalist>
      <button type="button" className="quiet" onClick={() => setD({ ...d, targets: [...d.targets, { model: "", weight: "" }] })}>
        Add target
      </button>
      <details className="advanced" open={!!(d.params || d.retry) || names(error, "params") || names(error, "retry")}>
        <summary>Params and retry (optional)</summary>
        <div className="row">
          <label>
            <span>Params: set on every request, as JSON</span>
            <textarea
              name="params"
              rows={4}
              value={d.params}
              onChange={(e) => setD({ ...d, params: e.target.value })}
              placeholder='{"max_tokens": 512}'
              spellCheck={false}
              {...mark("params")}
            />
          </label>
          <label>
            <span>Retry: overrides routing.retry, as JSON</span>
            <textarea
              name="retry"
              rows={4}
              value={d.retry}
              onChange={(e) => setD({ ...d, retry: e.target.value })}
              placeholder='{"max_attempts": 1}'
              spellCheck={false}
              {...mark("retry")}
            />
          </label>
        </div>
      </details>
      <SaveOrCancel label={entry ? "Save alias" : "Create alias"} busy={busy} onCancel={onCancel} error={error} />
    </form>
  );
}

export function Aliases() {
  const auth = useAuth();
  const list = useApi<List<AliasEntry>>("/api/settings/aliases");
  const [editing, setEditing] = useState<string | null>(null);
  const [saved, setSaved] = useState<string | null>(null);
  if (list.error) return <SettingsFailed error={list.error} retry={list.reload} who={auth.state === "signed-in" ? auth.name : null} />;
  if (!list.data) return <Loading what="the aliases" />;
  const entries = list.data.data;
  const taken = entries.map((e) => e.name);
  const done = (what: string) => {
    setEditing(null);
    setSaved(what);
    list.reload();
  };
  const editor = (entry: AliasEntry | null) => (
    <AliasEditor
      key={entry?.name ?? "new"}
      entry={entry}
      taken={taken}
      onSaved={(e) => done(`Saved ${e.name}. The next request through it uses the new targets.`)}
      onCancel={() => setEditing(null)}
    />
  );
  return (
    <>
      <div className="section-head">
        <p className="lede">
          An alias is a model name your apps send (<code>smart</code>) that the engine routes to one or more targets. Changes apply to the next request.
        </p>
        {editing === "" ? null : (
          <button
            type="button"
            onClick={() => {
              setSaved(null);
              setEditing("");
            }}
          >
            New alias
          </button>
        )}
      </div>
      {saved ? (
        <p className="ok-text" role="status">
          {saved}
        </p>
      ) : null}
      {editing === "" ? editor(null) : null}
      {entries.length === 0 && editing !== "" ? (
        <Empty title="No aliases yet">
          <p>
            Create one with <strong>New alias</strong>: give it a name, then its targets in order, such as <code>openai/gpt-4o-mini</code> first and{" "}
            <code>anthropic/claude-haiku-4-5</code> as the fallback. Your apps then ask for the alias's name as their model.
          </p>
        </Empty>
      ) : null}
      {entries.map((e) =>
        editing === e.name ? (
          editor(e)
        ) : (
          <AliasCard
            key={e.name}
            entry={e}
            onEdit={() => {
              setSaved(null);
              setEditing(e.name);
            }}
            onDeleted={() => done(`Deleted ${e.name}.`)}
          />
        ),
      )}
    </>
  );
}
