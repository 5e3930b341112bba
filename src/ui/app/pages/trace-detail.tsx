import type { ReactNode } from "react";
import { useApi } from "../api.ts";
import { Attempts } from "../components/attempts.tsx";
import { Chat, Inputs } from "../components/chat.tsx";
import { CopyCurl } from "../components/copy-curl.tsx";
import { Empty, Failed, Loading } from "../components/states.tsx";
import { StatusBadge } from "../components/status.tsx";
import { Usage } from "../components/usage.tsx";
import { count, ms, usd, when } from "../format.ts";
import { Link } from "../router.tsx";
import type { Trace } from "../types.ts";

function Field({ label, children }: { label: string; children: ReactNode }) {
  return (
    <div className="field">
      <dt>{label}</dt>
      <dd>{children}</dd>
    </div>
  );
}

export function TraceDetail({ id }: { id: string }) {
  const t = useApi<Trace>(`/api/traces/${encodeURIComponent(id)}`);
  if (t.error?.status === 404) {
    return (
      <Empty title="No such trace">
        <p>
          No trace has the id <code>{id}</code> in this engine's store (or it belongs to another token). <Link to="/traces">Back to Traces</Link>
        </p>
      </Empty>
    );
  }
  if (t.error) return <Failed error={t.error} retry={t.reload} />;
  if (!t.data) return <Loading what="the trace" />;
  const r = t.data;
  const tags = Object.entries(r.tags ?? {});
  return (
    <>
      <p className="crumbs">
        <Link to="/traces">← Traces</Link>
      </p>
      <h1>
        {r.requested_model}
        {r.selected_model && r.selected_model !== r.requested_model ? <span className="muted"> → {r.selected_model}</span> : null}{" "}
        <StatusBadge status={r.status} http={r.http_status} />
      </h1>
      <p className="muted">
        {when(r.ts_start)} · <code>{r.id}</code>
      </p>
      {r.error_message ? (
        <p className="error-box">
          <strong>{r.error_type ?? "error"}</strong>: {r.error_message}
        </p>
      ) : null}
      <dl className="fields">
        <Field label="Cost">{usd(r.cost_usd)}</Field>
        <Field label="Tokens in / out">
          {count(r.input_tokens)} / {count(r.output_tokens)}
          {r.cached_tokens ? <span className="muted"> · {count(r.cached_tokens)} cached</span> : null}
          {r.reasoning_tokens ? <span className="muted"> · {count(r.reasoning_tokens)} reasoning</span> : null}
        </Field>
        <Field label="Latency">
          {ms(r.latency_ms)}
          {r.ttft_ms !== null ? <span className="muted"> · first byte {ms(r.ttft_ms)}</span> : null}
        </Field>
        <Field label="Provider">{r.provider ?? "—"}</Field>
        <Field label="Finish">{r.finish_reason ?? "—"}</Field>
        <Field label="Stream">{r.stream ? "yes" : "no"}</Field>
        {r.alias ? <Field label="Alias">{r.alias}</Field> : null}
        {r.token_name ? <Field label="Token">{r.token_name}</Field> : null}
        {r.user ? <Field label="User">{r.user}</Field> : null}
        {r.session_id ? (
          <Field label="Session">
            <Link to={`/sessions/${encodeURIComponent(r.session_id)}`}>{r.session_id}</Link> <span className="muted">· all its calls in order</span>
          </Field>
        ) : null}
        {tags.length ? <Field label="Tags">{tags.map(([k, v]) => `${k}=${v}`).join(", ")}</Field> : null}
      </dl>

      <h2>Usage and cost</h2>
      <Usage trace={r} />

      <h2>{r.api === "embeddings" ? "Inputs" : "Conversation"}</h2>
      {r.request === null && r.response === null ? (
        <Empty title="No content stored">
          <p>This engine records no prompt or answer text (OPENTRACY_TRACE_CONTENT=false); tokens, cost and timings are above.</p>
        </Empty>
      ) : r.api === "embeddings" ? (
        <Inputs inputs={r.request} />
      ) : (
        <Chat request={r.request} response={r.response} />
      )}

      <h2>Replay</h2>
      <CopyCurl trace={r} />

      <h2>Routing</h2>
      {r.attempts.length === 0 ? <p className="muted">No upstream was tried (the request was refused before routing).</p> : <Attempts trace={r} />}

      <details className="raw">
        <summary>Raw JSON</summary>
        <pre>{JSON.stringify(r, null, 2)}</pre>
      </details>
    </>
  );
}
