export function StatusBadge({ status, http }: { status: "ok" | "error"; http?: number | null }) {
  return <span className={`badge ${status}`}>{status === "ok" ? "ok" : `error${http ? ` ${http}` : ""}`}</span>;
}
