/**
 * Opens GET /api/traces/live and collects its `data:` events as they arrive; `close` ends it the
 * way a leaving browser does and waits for the reader to stop.
 */
export async function listenLive(url: string, headers: Record<string, string> = {}) {
  const ctl = new AbortController();
  const res = await fetch(`${url}/api/traces/live`, { signal: ctl.signal, headers });
  const events: any[] = [];
  const reading = (async () => {
    const dec = new TextDecoder();
    let text = "";
    try {
      for await (const chunk of res.body as any) {
        text += dec.decode(chunk, { stream: true });
        for (let i = text.indexOf("\n\n"); i >= 0; i = text.indexOf("\n\n")) {
          const ev = text.slice(0, i);
          text = text.slice(i + 2);
          if (ev.startsWith("data: ")) events.push(JSON.parse(ev.slice(6)));
        }
      }
    } catch {}
  })();
  return { res, events, close: async () => (ctl.abort(), await reading) };
}
