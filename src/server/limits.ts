/** Limits on what a client can make the engine hold; read at start (config.json `server`). */
export interface Limits {
  maxBodyBytes: number;
  maxMessages: number;
  maxJsonDepth: number;
  maxConcurrent: number;
  requestTimeoutMs: number;
  maxResponseBytes: number;
}

/** The request timeout as Bun's per-connection idle limit: whole seconds, at most 255. */
export const connectionIdleSeconds = (l: Limits): number => Math.min(255, Math.ceil(l.requestTimeoutMs / 1000));

export const DEFAULT_LIMITS: Limits = {
  maxBodyBytes: 32 * 1024 * 1024,
  maxMessages: 10_000,
  maxJsonDepth: 64,
  maxConcurrent: 1024,
  requestTimeoutMs: 30_000,
  maxResponseBytes: 64 * 1024 * 1024,
};
