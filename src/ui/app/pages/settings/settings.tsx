import { useAuth } from "../../api.ts";
import { Empty } from "../../components/states.tsx";
import { Link } from "../../router.tsx";
import { Aliases } from "./aliases.tsx";
import { Audit } from "./audit.tsx";
import { Integrations } from "./integrations.tsx";
import { AdminRequired } from "./parts.tsx";
import { Tokens } from "./tokens.tsx";

// Settings: one entry in the header, tabs within. Every tab has its own URL (/settings/aliases, …),
// and /settings itself is the first tab.

const TABS = [
  { to: "/settings/integrations", label: "Integrations", page: Integrations },
  { to: "/settings/aliases", label: "Aliases", page: Aliases },
  { to: "/settings/tokens", label: "Tokens", page: Tokens },
  { to: "/settings/audit", label: "Audit log", page: Audit },
];

export function Settings({ path }: { path: string }) {
  const auth = useAuth();
  const tab = path === "/settings" || path === "/settings/" ? TABS[0] : TABS.find((t) => t.to === path.replace(/\/$/, ""));
  // A token that is not an admin is refused by every settings call: say so before asking.
  const refused = auth.state === "signed-in" && !auth.admin;
  const Page = tab?.page;
  return (
    <>
      <h1>Settings</h1>
      <nav className="tabs" aria-label="Settings">
        {TABS.map((t) => (
          <Link key={t.to} to={t.to} className={t === tab ? "active" : undefined}>
            {t.label}
          </Link>
        ))}
      </nav>
      {refused ? (
        <AdminRequired name={auth.name} />
      ) : Page ? (
        <Page />
      ) : (
        <Empty title="No such settings page">
          <p>
            Settings has <Link to="/settings/integrations">Integrations</Link>, <Link to="/settings/aliases">Aliases</Link>,{" "}
            <Link to="/settings/tokens">Tokens</Link> and the <Link to="/settings/audit">Audit log</Link>.
          </p>
        </Empty>
      )}
    </>
  );
}
