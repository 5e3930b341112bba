import { useApi, useAuth } from "../../api.ts";
import { Empty, Loading } from "../../components/states.tsx";
import { when } from "../../format.ts";
import { SettingsFailed } from "./parts.tsx";
import type { AuditRow, List } from "./types.ts";

// The audit log: every change to keys, base URLs, aliases and tokens, from this UI or the CLI,
// newest first (the engine answers the latest 200). It names providers, never keys.

const ACTIONS: Record<string, string> = {
  "key.set": "set key",
  "key.remove": "removed key",
  "base_url.set": "set base URL",
  "alias.set": "set alias",
  "alias.remove": "deleted alias",
  "token.create": "created token",
  "token.revoke": "revoked token",
  "master_key.rotate": "rotated master key",
};

export function Audit() {
  const auth = useAuth();
  const list = useApi<List<AuditRow>>("/api/settings/audit");
  if (list.error) return <SettingsFailed error={list.error} retry={list.reload} who={auth.state === "signed-in" ? auth.name : null} />;
  if (!list.data) return <Loading what="the audit log" />;
  const rows = list.data.data;
  if (rows.length === 0)
    return (
      <Empty title="No changes yet">
        <p>
          Every change to keys, base URLs, aliases and tokens is recorded here, whether made on these pages or with the CLI (<code>opentracy keys set</code>,{" "}
          <code>alias set</code>, <code>tokens create</code>): who, what and when, never a key.
        </p>
      </Empty>
    );
  return (
    <>
      <p className="lede">
        Changes to keys, base URLs, aliases and tokens, from these pages and the CLI, newest first{rows.length >= 200 ? " (the latest 200)" : ""}. The log never
        holds a key.
      </p>
      <table className="grid audit">
        <thead>
          <tr>
            <th>time</th>
            <th>who</th>
            <th>action</th>
            <th>target</th>
            <th>detail</th>
          </tr>
        </thead>
        <tbody>
          {rows.map((r, i) => (
            // biome-ignore lint/suspicious/noArrayIndexKey: entries have no id; the list is replaced whole
            <tr key={i}>
              <td title={r.ts}>{when(r.ts)}</td>
              <td>{r.actor}</td>
              <td>
                {ACTIONS[r.action] ?? r.action} <span className="muted">{r.action}</span>
              </td>
              <td>
                <code>{r.target}</code>
              </td>
              <td className="wrap">{r.detail ?? <span className="muted">—</span>}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </>
  );
}
