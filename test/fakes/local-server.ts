// Where a fake upstream listens.

export interface LocalServer {
  /** http://127.0.0.1:PORT */
  origin: string;
  close(): Promise<void>;
}

export function serveLocally(fetch: (request: Request) => Response | Promise<Response>): LocalServer {
  // A free port, so test files can run in parallel. No idle timeout: a test may hold a response at
  // a gate for longer than Bun's default of 10 seconds.
  const server = Bun.serve({ hostname: "127.0.0.1", port: 0, idleTimeout: 0, fetch });
  return {
    origin: `http://127.0.0.1:${server.port}`,
    // Forcibly: responses still held at a gate would otherwise keep close() waiting forever.
    close: async () => {
      await server.stop(true);
    },
  };
}
