import type { Server } from "bun";
import { anthropicErrorResponse } from "../dialects/anthropic-messages/errors.ts";
import { ApiError, toWire } from "../errors/vocabulary.ts";
import { openaiErrorResponse } from "../openai/errors.ts";

/** The tag key a run's calls carry: a run is the set of traces tagged `run=<id>`. */
export const RUN_TAG = "run";

/** A route's handlers by method, as `Bun.serve` takes them. */
type Methods = Partial<Record<string, (req: Request, server: Server<undefined>) => Response | Promise<Response>>>;

/** `run=<id>` into the tags header; the URL's run wins over one the client put there. */
function tagRun(headers: Headers, id: string): void {
  const own = headers.get("x-opentracy-tags");
  // First so it has a slot under the tag cap, last so a `run=` of the header's does not replace it.
  headers.set("x-opentracy-tags", own ? `${RUN_TAG}=${id},${own},${RUN_TAG}=${id}` : `${RUN_TAG}=${id}`);
}

/** The 400 for a run id the engine will not tag with, in the shape of the API the path names. */
function badRunId(api: string, id: string): Response {
  const e = new ApiError(
    "invalid_value",
    `Invalid run id '${id.slice(0, 80)}' in the path /run/{id}/…: use 1-64 letters, digits, '.', '_' or '-', starting with a letter or digit.`,
  );
  return api.startsWith("/v1/messages") ? anthropicErrorResponse(toWire(e)) : openaiErrorResponse(e);
}

const RUN_ID = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/;

export const isRunId = (id: string): boolean => RUN_ID.test(id);

/**
 * `/run/<id>/<API path>`: the API path's own handler, the call tagged `run=<id>`. A client that
 * can set only a base URL (an SDK reading OPENAI_BASE_URL, a program we do not control) is tagged
 * this way; `opentracy exec` points its child here. Bun matches the prefix as a route of its own,
 * so requests without it pay nothing. `routes` maps exact API paths; `prefixed` the wildcard ones
 * (`/v1/models/*`), whose handlers read the rest of the path themselves.
 */
export function runPrefixRoute(routes: Record<string, Methods>, prefixed: Record<string, Methods>, notFound: (req: Request) => Response) {
  return (req: Request, server: Server<undefined>): Response | Promise<Response> => {
    const path = new URL(req.url).pathname;
    // "/run/".length === 5
    const slash = path.indexOf("/", 5);
    if (slash < 0) return notFound(req);
    const id = path.slice(5, slash);
    const api = path.slice(slash);
    const methods = routes[api] ?? Object.entries(prefixed).find(([p]) => api.startsWith(p))?.[1];
    const handler = methods?.[req.method];
    if (!handler) return notFound(req);
    if (!RUN_ID.test(id)) return badRunId(api, id);
    tagRun(req.headers, id);
    return handler(req, server);
  };
}
