import { createRoot } from "react-dom/client";
import { Layout } from "./components/layout.tsx";
import { Empty } from "./components/states.tsx";
import { Activity } from "./pages/activity.tsx";
import { Overview } from "./pages/overview.tsx";
import { Session } from "./pages/session.tsx";
import { Settings } from "./pages/settings/settings.tsx";
import { TraceDetail } from "./pages/trace-detail.tsx";
import { Traces } from "./pages/traces.tsx";
import { Link, useLocation } from "./router.tsx";
import "./styles.css";

function View({ path }: { path: string }) {
  if (path === "/") return <Overview />;
  if (path === "/traces") return <Traces />;
  if (path === "/activity") return <Activity />;
  if (path === "/settings" || path.startsWith("/settings/")) return <Settings path={path} />;
  const session = /^\/sessions\/(.+)$/.exec(path);
  if (session) return <Session key={session[1]} id={decodeURIComponent(session[1]!)} />;
  const detail = /^\/traces\/(.+)$/.exec(path);
  if (detail) return <TraceDetail key={detail[1]} id={decodeURIComponent(detail[1]!)} />;
  return (
    <Empty title="No such page">
      <p>
        Try the <Link to="/">Overview</Link> or <Link to="/traces">Traces</Link>.
      </p>
    </Empty>
  );
}

function App() {
  const { path } = useLocation();
  return (
    <Layout path={path}>
      <View path={path} />
    </Layout>
  );
}

createRoot(document.getElementById("root")!).render(<App />);
