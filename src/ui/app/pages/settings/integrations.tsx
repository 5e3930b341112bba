import { type FormEvent, useState } from "react";
import { ApiFailure, send, useApi, useAuth } from "../../api.ts";
import { Loading } from "../../components/states.tsx";
import { ms } from "../../format.ts";
import { ConfirmButton, ErrorNote, names, SettingsFailed, Spinner, useChange } from "./parts.tsx";
import type { List, ProviderRow, TestResult } from "./types.ts";

// Integrations: every provider, where its key and base URL come from, and the forms that change
// them. A typed key lives only in its password field (uncontrolled: never in React state, never in
// an attribute) until it is sent, and the field is emptied once the engine has sealed it.

const path = (p: ProviderRow, rest: string) => `/api/settings/providers/${encodeURIComponent(p.name)}/${rest}`;

const fromEnv = (p: ProviderRow) => p.key?.source.startsWith("env") ?? false;

/** Where the key in use comes from, in the words the row's `source` and `from` give. */
function keySource(p: ProviderRow): string {
  if (!p.key) return "—";
  if (fromEnv(p)) return `environment (${p.key.from})`;
  if (p.key.source === "sealed") return "sealed store";
  if (p.key.source === "clickhouse") return "shared store (ClickHouse)";
  return "secrets.json (plain text)";
}

function baseUrlSource(p: ProviderRow): string {
  if (!p.base_url_source) return "default";
  if (p.base_url_source === p.base_url_env) return `from ${p.base_url_env}`;
  return "from config.json";
}

/** What the base URL field shows when empty: the default, or what the engine does without one. */
function defaultHint(p: ProviderRow): string {
  if (p.default_base_url) return p.default_base_url;
  if (p.protocol === "azure") return "https://<resource>.openai.azure.com (required)";
  if (p.protocol === "bedrock") return "AWS's endpoint for the region";
  return "";
}

function Status({ p }: { p: ProviderRow }) {
  if (!p.problem) return <span className="badge ok">configured</span>;
  if (!p.key && p.takes_key)
    return (
      <span className="badge neutral" title={p.problem}>
        not set up
      </span>
    );
  return <span className="badge error">problem</span>;
}

const VERDICT: Record<TestResult["verdict"], { label: string; tone: string }> = {
  ok: { label: "ok", tone: "ok" },
  key_rejected: { label: "key rejected", tone: "error" },
  http_error: { label: "HTTP error", tone: "error" },
  unreachable: { label: "unreachable", tone: "error" },
  not_checked: { label: "not checked", tone: "neutral" },
  not_configured: { label: "not configured", tone: "neutral" },
};

function TestOutcome({ result }: { result: TestResult | ApiFailure | "testing" }) {
  if (result === "testing")
    return (
      <p className="test-result" aria-busy="true">
        <Spinner /> Testing the connection…
      </p>
    );
  if (result instanceof ApiFailure) return <ErrorNote error={result} />;
  const v = VERDICT[result.verdict];
  return (
    <p className="test-result" role="status">
      <span className={`badge ${v.tone}`}>{v.label}</span> {result.message}
      {result.latency_ms !== null && result.verdict !== "ok" ? <span className="muted"> ({ms(result.latency_ms)})</span> : null}
    </p>
  );
}

function KeyForm({ p, onSaved }: { p: ProviderRow; onSaved: (row: ProviderRow, note: string) => void }) {
  const { busy, error, setError, run } = useChange();
  if (fromEnv(p))
    return (
      <p className="note">
        The key in use comes from <code>{p.key!.from}</code>, set where the engine runs. That variable wins over a key saved here, so this page cannot change
        it: change or unset it in the engine's environment, then restart the engine.
      </p>
    );
  const submit = (e: FormEvent<HTMLFormElement>) => {
    e.preventDefault();
    const form = e.currentTarget;
    const values = Object.fromEntries([...new FormData(form)].map(([k, v]) => [k, String(v)]));
    return run(async () => {
      const body = p.fields ? { fields: values } : { key: values.key ?? "" };
      const row = await send<ProviderRow>("PUT", path(p, "key"), body);
      // The engine has sealed it: the page forgets it.
      form.reset();
      onSaved(row, "Saved and sealed. The next request uses it.");
    });
  };
  const remove = async () => {
    setError(null);
    try {
      onSaved(await send<ProviderRow>("DELETE", path(p, "key")), "Key removed.");
    } catch (err) {
      setError(err instanceof ApiFailure ? err : new ApiFailure(0, String(err), null));
    }
  };
  const fields = p.fields ?? [{ env: p.key_env ?? "key", required: true, hidden: true }];
  return (
    <form className="stack" onSubmit={submit} autoComplete="off">
      {fields.map((f) => {
        const name = p.fields ? f.env : "key";
        const bad = names(error, p.fields ? `fields.${f.env}` : "key") || (!p.fields && names(error, "provider"));
        return (
          <label key={f.env}>
            <span>
              {p.fields ? f.env : p.key ? "New key" : "API key"}
              {f.required ? null : <span className="muted"> (optional)</span>}
            </span>
            <input
              type={f.hidden === false ? "text" : "password"}
              name={name}
              required={f.required}
              autoComplete="off"
              spellCheck={false}
              placeholder={p.fields ? (f.env === "AWS_REGION" ? "us-east-1" : "") : `paste the ${p.name} key`}
              aria-invalid={bad || undefined}
              className={bad ? "invalid" : undefined}
            />
          </label>
        );
      })}
      <div className="actions">
        <button type="submit" disabled={busy}>
          {p.key ? "Replace key" : "Save key"}
        </button>
        {p.key ? (
          <ConfirmButton
            label="Remove key"
            question={`Remove the ${p.name} key? Requests to ${p.name} fail until another is set.`}
            yes="Remove"
            onConfirm={remove}
          />
        ) : null}
      </div>
      <ErrorNote error={error} />
      <p className="muted small">
        {p.key?.source === "file"
          ? "The key in use is in secrets.json as plain text; saving one here seals it and removes the plain copy."
          : "Sealed (AES-256-GCM) in credentials.json under the engine's master key. Neither this page nor the API ever shows it again."}
      </p>
    </form>
  );
}

function BaseUrlForm({ p, onSaved }: { p: ProviderRow; onSaved: (row: ProviderRow, note: string) => void }) {
  const configured = p.base_url_source && p.base_url_source !== p.base_url_env ? p.base_url : "";
  const [value, setValue] = useState(configured);
  const { busy, error, run } = useChange();
  if (p.base_url_source && p.base_url_source === p.base_url_env)
    return (
      <p className="note">
        <code>{p.base_url_env}</code> is set where the engine runs, so the engine calls <code>{p.base_url}</code>. That variable wins over a base URL saved
        here; change or unset it in the engine's environment.
      </p>
    );
  const save = (url: string | null) =>
    run(async () => {
      const row = await send<ProviderRow>("PUT", path(p, "base-url"), { base_url: url });
      setValue(url ?? "");
      onSaved(row, url ? "Base URL saved." : "Back to the default base URL.");
    });
  const bad = names(error, "base_url");
  return (
    <form
      className="stack"
      onSubmit={(e) => {
        e.preventDefault();
        void save(value.trim() || null);
      }}
    >
      <label>
        <span>Base URL</span>
        <input
          type="text"
          inputMode="url"
          name="base_url"
          value={value}
          onChange={(e) => setValue(e.target.value)}
          placeholder={defaultHint(p)}
          spellCheck={false}
          aria-invalid={bad || undefined}
          className={bad ? "invalid" : undefined}
        />
      </label>
      <div className="actions">
        <button type="submit" disabled={busy}>
          Save base URL
        </button>
        {configured ? (
          <button type="button" className="quiet" disabled={busy} onClick={() => void save(null)}>
            Use the default
          </button>
        ) : null}
      </div>
      <ErrorNote error={error} />
      <p className="muted small">
        Empty means the default{p.default_base_url ? "" : ` (${defaultHint(p)})`}. Saved in config.json as <code>providers.{p.name}.base_url</code>;{" "}
        <code>{p.base_url_env}</code>, when set, wins.
      </p>
    </form>
  );
}

/** One provider: its row in the table, and beneath it what it has to say (problem, test, saved) and its forms. */
function Provider({ p, onChange }: { p: ProviderRow; onChange: (row: ProviderRow) => void }) {
  const [open, setOpen] = useState(false);
  const [test, setTest] = useState<TestResult | ApiFailure | "testing" | null>(null);
  const [note, setNote] = useState<string | null>(null);
  const saved = (row: ProviderRow, text: string) => {
    onChange(row);
    setNote(text);
    setTest(null);
  };
  const runTest = async () => {
    setTest("testing");
    setNote(null);
    try {
      setTest(await send<TestResult>("POST", path(p, "test")));
    } catch (err) {
      setTest(err instanceof ApiFailure ? err : new ApiFailure(0, String(err), null));
    }
  };
  const realProblem = p.problem && (p.key || !p.takes_key) ? p.problem : null;
  const detail = open || test || note || realProblem;
  return (
    <tbody className={open ? "open" : undefined} data-provider={p.name}>
      <tr>
        <td>
          <strong>{p.name}</strong>
          {p.custom ? (
            <>
              {" "}
              <span className="badge neutral" title={`providers.${p.name} in config.json (${p.protocol})`}>
                custom
              </span>
            </>
          ) : null}
        </td>
        <td>{p.key ? <code>{p.key.masked}</code> : <span className="muted">{p.takes_key ? "not set" : "none needed"}</span>}</td>
        <td className="key-source" title={p.key?.from}>
          {keySource(p)}
        </td>
        <td className="base-url">
          {p.base_url ? (
            <>
              <code>{p.base_url}</code> <span className="muted">{baseUrlSource(p)}</span>
            </>
          ) : (
            <span className="muted">{p.protocol === "azure" ? "none: set the resource's endpoint" : defaultHint(p)}</span>
          )}
        </td>
        <td>
          <Status p={p} />
        </td>
        <td className="row-actions">
          {p.key || !p.takes_key ? (
            <button type="button" className="quiet" disabled={test === "testing"} onClick={() => void runTest()}>
              Test connection
            </button>
          ) : null}{" "}
          <button
            type="button"
            className="quiet"
            aria-expanded={open}
            onClick={() => {
              setOpen(!open);
              setNote(null);
            }}
          >
            {open ? "Close" : p.key || !p.takes_key ? "Edit" : "Set up"}
          </button>
        </td>
      </tr>
      {detail ? (
        <tr className="detail">
          <td colSpan={6}>
            {realProblem ? <p className="error-text">{realProblem}</p> : null}
            {test ? <TestOutcome result={test} /> : null}
            {note ? (
              <p className="ok-text" role="status">
                {note}
              </p>
            ) : null}
            {open ? (
              <div className="editor">
                <section>
                  <h3>Key</h3>
                  {!p.key && p.problem ? <p className="muted">{p.problem}</p> : null}
                  {p.takes_key ? <KeyForm p={p} onSaved={saved} /> : <p className="note">{p.name} runs on your own machine and takes no key.</p>}
                </section>
                <section>
                  <h3>Base URL</h3>
                  <BaseUrlForm p={p} onSaved={saved} />
                </section>
              </div>
            ) : null}
          </td>
        </tr>
      ) : null}
    </tbody>
  );
}

export function Integrations() {
  const auth = useAuth();
  const list = useApi<List<ProviderRow>>("/api/settings/providers");
  const [changed, setChanged] = useState<Record<string, ProviderRow>>({});
  if (list.error) return <SettingsFailed error={list.error} retry={list.reload} who={auth.state === "signed-in" ? auth.name : null} />;
  if (!list.data) return <Loading what="the providers" />;
  const rows = list.data.data.map((r) => changed[r.name] ?? r);
  const ready = rows.filter((r) => !r.problem).length;
  return (
    <>
      <p className="lede">
        {ready === 0
          ? "No provider is configured yet: set up a key below (Set up), or set the provider's variable where the engine runs."
          : `${ready} of ${rows.length} providers configured.`}{" "}
        A key saved here is sealed in the engine's key store; a key from an environment variable wins over it.
      </p>
      <table className="grid providers">
        <thead>
          <tr>
            <th>provider</th>
            <th>key</th>
            <th>from</th>
            <th>base URL</th>
            <th>status</th>
            <th />
          </tr>
        </thead>
        {rows.map((r) => (
          <Provider key={r.name} p={r} onChange={(row) => setChanged((c) => ({ ...c, [row.name]: row }))} />
        ))}
      </table>
    </>
  );
}
