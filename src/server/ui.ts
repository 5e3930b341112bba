import { ApiError } from "../errors/vocabulary.ts";
import { openaiErrorResponse } from "../openai/errors.ts";
import type { UiBundle } from "../ui/bundle.ts";

/** Client-side routes: each answers the same page, so every view can be opened, reloaded and shared by URL. */
export const UI_PAGES = ["/", "/traces", "/traces/*", "/activity", "/sessions/*", "/settings", "/settings/*"] as const;
export const UI_ASSETS = "/ui/*";

// The page runs only its own script and style: trace content is untrusted, and even if some of it
// ever reached the DOM as markup, nothing inline or foreign could run or load.
const SECURITY_HEADERS = {
  "content-security-policy":
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'; object-src 'none'",
  "x-content-type-options": "nosniff",
  "referrer-policy": "no-referrer",
};

// Below this, gzip's header and the CPU cost more than they save.
const COMPRESS_FROM = 1024;

interface Asset {
  body: Uint8Array;
  gzip: Uint8Array | null;
  type: string;
  cache: string;
}

const TYPES: Record<string, string> = { js: "text/javascript; charset=utf-8", css: "text/css; charset=utf-8", html: "text/html; charset=utf-8" };

function asset(text: string, type: string, cache: string): Asset {
  const body = new TextEncoder().encode(text);
  return { body, gzip: body.length >= COMPRESS_FROM ? Bun.gzipSync(body, { level: 9 }) : null, type, cache };
}

function page(bundle: UiBundle): string {
  const style = bundle.style ? `<link rel="stylesheet" href="/ui/${bundle.style}">` : "";
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>opentracy</title>
<link rel="icon" href="data:,">
${style}
<script type="module" src="/ui/${bundle.script}"></script>
</head>
<body><div id="root"></div></body>
</html>
`;
}

interface UiAssets {
  page: Asset;
  byName: Map<string, Asset>;
}

let loaded: Promise<UiAssets> | null = null;

/** Bundled (or read from the executable) and compressed once, on the first request for the UI. */
function load(): Promise<UiAssets> {
  loaded ??= import("../ui/assets.ts").then(({ UI_BUNDLE }) => {
    const byName = new Map<string, Asset>();
    for (const [name, text] of Object.entries(UI_BUNDLE.files)) {
      const ext = name.slice(name.lastIndexOf(".") + 1);
      byName.set(name, asset(text, TYPES[ext] ?? "application/octet-stream", "public, max-age=31536000, immutable"));
    }
    // The page names the current hashed assets, so it is never cached without asking again.
    return { page: asset(page(UI_BUNDLE), TYPES.html!, "no-cache"), byName };
  });
  return loaded;
}

function send(req: Request, a: Asset): Response {
  const gzip = a.gzip !== null && /\bgzip\b/.test(req.headers.get("accept-encoding") ?? "");
  const headers: Record<string, string> = { ...SECURITY_HEADERS, "content-type": a.type, "cache-control": a.cache, vary: "Accept-Encoding" };
  if (gzip) headers["content-encoding"] = "gzip";
  return new Response(gzip ? a.gzip : a.body, { headers });
}

/** GET of a UI page: the single HTML document; the client-side router picks the view from the URL. */
export async function uiPage(req: Request): Promise<Response> {
  return send(req, (await load()).page);
}

/** GET /ui/<hashed name>: the script and style; an old build's name is a 404 (the page asks for the new one). */
export async function uiAsset(req: Request): Promise<Response> {
  const name = new URL(req.url).pathname.slice("/ui/".length);
  const a = (await load()).byName.get(name);
  return a ? send(req, a) : openaiErrorResponse(new ApiError("unknown_url", `No UI asset ${name}: reload the page for the current build.`));
}
