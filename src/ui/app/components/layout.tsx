import { type ReactNode, useEffect } from "react";
import { loadSession, signOut, useAuth } from "../api.ts";
import { SignIn } from "../pages/login.tsx";
import { Link } from "../router.tsx";
import { Loading } from "./states.tsx";

const NAV = [
  { to: "/", label: "Overview", active: (p: string) => p === "/" },
  { to: "/traces", label: "Traces", active: (p: string) => p.startsWith("/traces") || p.startsWith("/sessions") },
  { to: "/activity", label: "Activity", active: (p: string) => p === "/activity" },
  { to: "/settings", label: "Settings", active: (p: string) => p === "/settings" || p.startsWith("/settings/") },
];

/** The header, and the page itself only once the engine knows who this is (else the sign-in page). */
export function Layout({ path, children }: { path: string; children: ReactNode }) {
  const auth = useAuth();
  useEffect(() => {
    void loadSession();
  }, []);
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
        {auth.state === "signed-in" && auth.via === "cookie" ? (
          <span className="who">
            <span className="muted">
              {auth.name}
              {auth.admin ? " (admin)" : ""}
            </span>{" "}
            <button type="button" className="quiet" onClick={() => void signOut()}>
              Sign out
            </button>
          </span>
        ) : null}
      </header>
      <main>{auth.state === "signed-out" ? <SignIn /> : auth.state === "unknown" ? <Loading what="the session" /> : children}</main>
    </>
  );
}
