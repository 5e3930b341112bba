import { type FormEvent, Fragment, useState } from "react";
import { ApiFailure, send, signIn, useApi, useAuth } from "../../api.ts";
import { Empty, Loading } from "../../components/states.tsx";
import { when } from "../../format.ts";
import { ConfirmButton, ErrorNote, names, SaveOrCancel, SettingsFailed, useChange } from "./parts.tsx";
import { created as createdLimits, describeLimits, fieldsOf, type LimitFields, limitsBody } from "./token-limits.ts";
import type { List, TokenRow } from "./types.ts";

// Tokens: what clients send as their OpenAI api_key. A new token is shown once, here, and then
// only its hash exists. The first token closes an open engine: from then on every client needs
// one, this page included, so the page offers to sign in with the token it just made.

type Created = TokenRow & { token: string };

/** The new token, once: copy it, and on an engine that was open until now, sign in with it. */
function ShownOnce({ created, locked, onDone, onSignedIn }: { created: Created; locked: boolean; onDone: () => void; onSignedIn: () => void }) {
  const [copied, setCopied] = useState<"yes" | "failed" | null>(null);
  const [signing, setSigning] = useState<"busy" | "done" | string | null>(null);
  const copy = async () => {
    try {
      await navigator.clipboard.writeText(created.token);
      setCopied("yes");
    } catch {
      setCopied("failed");
    }
  };
  const signInWithIt = async () => {
    setSigning("busy");
    const failed = await signIn(created.token);
    setSigning(failed ?? "done");
    if (!failed) onSignedIn();
  };
  return (
    <section className="card once" aria-live="polite">
      <h2>
        Token <strong>{created.name}</strong> created{created.admin ? " (admin)" : ""}
      </h2>
      <p>
        <strong>Copy it now: you will not see it again.</strong> The engine keeps only a hash of it, so neither this page nor the CLI can show it later.
      </p>
      <div className="token-value">
        <code>{created.token}</code>
        <button type="button" onClick={() => void copy()}>
          Copy
        </button>
      </div>
      {copied === "yes" ? <p className="ok-text">Copied.</p> : null}
      {copied === "failed" ? <p className="error-text">The browser refused the clipboard; select the token above and copy it.</p> : null}
      <p className="muted">
        Clients send it as their OpenAI <code>api_key</code> (<code>Authorization: Bearer …</code>), for example <code>OPENAI_API_KEY=&lt;token&gt;</code> with{" "}
        <code>OPENAI_BASE_URL={location.origin}/v1</code>.
      </p>
      {locked ? (
        <div className="warn-box">
          <p>
            This engine now asks every client for a token, this page included.{" "}
            {created.admin ? "Sign in with the new token to keep working here." : "This token is not an admin token: signed in with it, Settings stay closed."}
          </p>
          {signing === "done" ? (
            <p className="ok-text" role="status">
              Signed in as {created.name}.
            </p>
          ) : (
            <button type="button" disabled={signing === "busy"} onClick={() => void signInWithIt()}>
              Sign in with this token
            </button>
          )}
          {signing && signing !== "busy" && signing !== "done" ? <ErrorNote error={signing} /> : null}
        </div>
      ) : null}
      <div className="actions">
        <button type="button" className="quiet" onClick={onDone}>
          Done, I have copied it
        </button>
      </div>
    </section>
  );
}

/** The compact limits form: budgets (USD), soft, requests and tokens per minute, allowed models, expiry. */
function LimitInputs({ f, set, error }: { f: LimitFields; set: (f: LimitFields) => void; error: ApiFailure | null }) {
  const field = (key: keyof LimitFields, label: string, param: string, props: Record<string, unknown> = {}) => {
    const bad = names(error, param);
    return (
      <label>
        <span>{label}</span>
        <input
          name={key}
          value={f[key] as string}
          onChange={(e) => set({ ...f, [key]: e.target.value })}
          aria-invalid={bad || undefined}
          className={bad ? "invalid" : undefined}
          {...props}
        />
      </label>
    );
  };
  return (
    <div className="row limits">
      {field("day", "$ / day", "budget.day", { inputMode: "decimal", size: 6 })}
      {field("month", "$ / month", "budget.month", { inputMode: "decimal", size: 6 })}
      {field("total", "$ total", "budget.total", { inputMode: "decimal", size: 6 })}
      <label className="check">
        <input type="checkbox" name="soft" checked={f.soft} onChange={(e) => set({ ...f, soft: e.target.checked })} />
        <span>
          Soft <span className="muted">— flag, do not refuse</span>
        </span>
      </label>
      {field("rpm", "requests/min", "rpm", { inputMode: "numeric", size: 5 })}
      {field("tpm", "tokens/min", "tpm", { inputMode: "numeric", size: 7 })}
      {field("allow", "only models", "allow", { placeholder: "openai/*, smart", size: 18 })}
      {field("expires", "expires", "expires_at", { type: "date" })}
    </div>
  );
}

/** A token's limits, changed in place (PATCH): an emptied field removes that limit. */
function LimitsEditor({ token, onSaved, onCancel }: { token: TokenRow; onSaved: () => void; onCancel: () => void }) {
  const [f, setF] = useState(fieldsOf(token));
  const { busy, error, run } = useChange();
  const submit = (e: FormEvent) => {
    e.preventDefault();
    return run(async () => {
      await send("PATCH", `/api/settings/tokens/${encodeURIComponent(token.id)}`, limitsBody(f));
      onSaved();
    });
  };
  return (
    <form className="limits-editor" onSubmit={submit} aria-label={`limits of ${token.name}`}>
      <LimitInputs f={f} set={setF} error={error} />
      <SaveOrCancel label="Save limits" busy={busy} onCancel={onCancel} error={error} />
    </form>
  );
}

function CreateForm({ open, onCreated }: { open: boolean; onCreated: (t: Created) => void }) {
  const [name, setName] = useState("");
  // The first token should be an admin one, or nobody can open these pages once it exists.
  const [admin, setAdmin] = useState(open);
  const [limits, setLimits] = useState(fieldsOf(null));
  const { busy, error, run } = useChange();
  const submit = (e: FormEvent) => {
    e.preventDefault();
    return run(async () => {
      const t = await send<Created>("POST", "/api/settings/tokens", { name: name.trim() || undefined, admin, ...createdLimits(limitsBody(limits)) });
      setName("");
      setAdmin(false);
      setLimits(fieldsOf(null));
      onCreated(t);
    });
  };
  const bad = names(error, "name");
  return (
    <form className="card" onSubmit={submit}>
      <h2>New token</h2>
      {open ? (
        <div className="warn-box">
          <p>
            <strong>This engine has no tokens yet</strong>, so any program on this machine may use it without one. Once you create the first token,{" "}
            <strong>every client must send a token</strong>: your apps too (as their <code>api_key</code>), and this page will ask you to sign in.
          </p>
        </div>
      ) : null}
      <div className="row">
        <label>
          <span>Name</span>
          <input
            name="name"
            value={name}
            onChange={(e) => setName(e.target.value)}
            placeholder="my-app"
            maxLength={64}
            aria-invalid={bad || undefined}
            className={bad ? "invalid" : undefined}
          />
        </label>
        <label className="check">
          <input type="checkbox" name="admin" checked={admin} onChange={(e) => setAdmin(e.target.checked)} />
          <span>
            Admin <span className="muted">— sees every trace and may change settings</span>
          </span>
        </label>
        <button type="submit" disabled={busy}>
          Create token
        </button>
      </div>
      <details>
        <summary>Limits (optional): budgets, rate limits, models, expiry</summary>
        <LimitInputs f={limits} set={setLimits} error={error} />
      </details>
      {open && !admin ? (
        <p className="error-text">Without admin, signing in with this first token leaves Settings closed to you; keep it ticked unless you mean that.</p>
      ) : null}
      <ErrorNote error={error} />
    </form>
  );
}

export function Tokens() {
  const auth = useAuth();
  const open = auth.state === "signed-in" && auth.via === "open";
  const signedInAs = auth.state === "signed-in" && auth.via === "cookie" ? auth.name : null;
  const list = useApi<List<TokenRow>>("/api/settings/tokens");
  const [created, setCreated] = useState<{ token: Created; locked: boolean } | null>(null);
  // Made while the engine was open: listing again would be refused until the page signs in.
  const [madeHere, setMadeHere] = useState<TokenRow[]>([]);
  const [error, setError] = useState<ApiFailure | null>(null);
  const [editing, setEditing] = useState<string | null>(null);
  if (list.error) return <SettingsFailed error={list.error} retry={list.reload} who={auth.state === "signed-in" ? auth.name : null} />;
  if (!list.data) return <Loading what="the tokens" />;
  const rows = [...list.data.data, ...madeHere.filter((m) => !list.data!.data.some((r) => r.id === m.id))];
  const onCreated = (t: Created) => {
    const { token: _secret, ...row } = t;
    setCreated({ token: t, locked: open });
    if (open) setMadeHere((m) => [...m, row]);
    else list.reload();
  };
  const revoke = async (t: TokenRow) => {
    setError(null);
    try {
      await send("DELETE", `/api/settings/tokens/${encodeURIComponent(t.id)}`);
      list.reload();
    } catch (err) {
      setError(err instanceof ApiFailure ? err : new ApiFailure(0, String(err), null));
    }
  };
  return (
    <>
      <p className="lede">
        Clients send a token as their OpenAI <code>api_key</code>; every trace records the token's name. An admin token sees every trace and may change these
        settings; any other sees only its own traces.
      </p>
      {created ? (
        <ShownOnce
          created={created.token}
          locked={created.locked}
          onDone={() => {
            setCreated(null);
            list.reload();
          }}
          onSignedIn={list.reload}
        />
      ) : (
        <CreateForm open={open} onCreated={onCreated} />
      )}
      <h2>Tokens</h2>
      {rows.length === 0 ? (
        <Empty title="No tokens yet">
          <p>Create the first one above. Until then this engine accepts requests without a token, and only from this machine.</p>
        </Empty>
      ) : (
        <table className="grid tokens">
          <thead>
            <tr>
              <th>name</th>
              <th>role</th>
              <th>created</th>
              <th>status</th>
              <th>limits and spend</th>
              <th />
            </tr>
          </thead>
          <tbody>
            {rows.map((t) => (
              <Fragment key={t.id}>
                <tr className={t.revoked_at ? "revoked" : undefined}>
                  <td>
                    <strong>{t.name}</strong> <span className="muted">{t.id}</span>
                  </td>
                  <td>{t.admin ? <span className="badge neutral">admin</span> : <span className="muted">client</span>}</td>
                  <td>{when(t.created_at)}</td>
                  <td>{t.revoked_at ? <span className="muted">revoked {when(t.revoked_at)}</span> : <span className="badge ok">active</span>}</td>
                  <td className="limits-cell">
                    {describeLimits(t).map((line) => (
                      <div key={line}>{line}</div>
                    ))}
                    {describeLimits(t).length ? null : <span className="muted">none</span>}
                  </td>
                  <td className="row-actions">
                    {t.revoked_at ? null : (
                      <button type="button" className="quiet" onClick={() => setEditing(editing === t.id ? null : t.id)}>
                        Limits
                      </button>
                    )}
                    {t.revoked_at ? null : (
                      <ConfirmButton
                        label="Revoke"
                        question={
                          t.name === signedInAs
                            ? `Revoke ${t.name}? You are signed in with it: this signs you out, and its clients are refused.`
                            : `Revoke ${t.name}? Its clients are refused from their next request.`
                        }
                        yes="Revoke"
                        onConfirm={() => revoke(t)}
                      />
                    )}
                  </td>
                </tr>
                {editing === t.id ? (
                  <tr className="editing">
                    <td colSpan={6}>
                      <LimitsEditor
                        token={t}
                        onCancel={() => setEditing(null)}
                        onSaved={() => {
                          setEditing(null);
                          list.reload();
                        }}
                      />
                    </td>
                  </tr>
                ) : null}
              </Fragment>
            ))}
          </tbody>
        </table>
      )}
      <ErrorNote error={error} />
    </>
  );
}
