import type { ReactNode } from "react";
import { Link } from "../router.tsx";

const NAV = [
  { to: "/", label: "Overview", active: (p: string) => p === "/" },
  { to: "/traces", label: "Traces", active: (p: string) => p.startsWith("/traces") || p.startsWith("/sessions") },
  { to: "/activity", label: "Activity", active: (p: string) => p === "/activity" },
];

export function Layout({ path, children }: { path: string; children: ReactNode }) {
  return (
    <>
      <header className="top">
        <Link to="/" className="brand">
          opentracy
        </Link>
        <nav>
          {NAV.map((n) => (
            <Link key={n.to} to={n.to} className={n.active(path) ? "active" : undefined}>
              {n.label}
            </Link>
          ))}
        </nav>
      </header>
      <main>{children}</main>
    </>
  );
}
