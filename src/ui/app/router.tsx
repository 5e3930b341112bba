import { type MouseEvent, type ReactNode, useSyncExternalStore } from "react";

// A router in forty lines: the URL is the state (path and query), so every view can be reloaded
// and shared, and the bundle carries no routing library.

const subscribe = (onChange: () => void) => {
  addEventListener("popstate", onChange);
  return () => removeEventListener("popstate", onChange);
};
const current = () => location.pathname + location.search;

export interface Place {
  path: string;
  query: URLSearchParams;
}

export function useLocation(): Place {
  const href = useSyncExternalStore(subscribe, current);
  const url = new URL(href, location.origin);
  return { path: url.pathname, query: url.searchParams };
}

export function navigate(to: string, opts: { replace?: boolean } = {}): void {
  if (to === current()) return;
  history[opts.replace ? "replaceState" : "pushState"](null, "", to);
  dispatchEvent(new PopStateEvent("popstate"));
  if (!opts.replace) scrollTo(0, 0);
}

export function Link(props: { to: string; className?: string; children: ReactNode }) {
  const onClick = (e: MouseEvent<HTMLAnchorElement>) => {
    // A new tab, a new window or a download stays the browser's business.
    if (e.button !== 0 || e.metaKey || e.ctrlKey || e.shiftKey || e.altKey) return;
    e.preventDefault();
    navigate(props.to);
  };
  return (
    <a href={props.to} className={props.className} onClick={onClick}>
      {props.children}
    </a>
  );
}

/** `/traces?x=1` with the non-empty entries of `params`. */
export function withQuery(path: string, params: Record<string, string | null | undefined>): string {
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) if (v) q.set(k, v);
  const s = q.toString();
  return s ? `${path}?${s}` : path;
}
