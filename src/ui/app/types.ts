import type { EngineStatus } from "../../routing/engine-status.ts";
import type { Activity, TraceDetail, TraceSummary } from "../../traces/queries.ts";

// The shapes of /api/ answers (README, "The JSON API"). Type-only: nothing of the engine is bundled.

export type Trace = TraceDetail;

export type TraceRow = TraceSummary;

export interface TracePage {
  data: TraceRow[];
  next_cursor: string | null;
}

export type { Activity, EngineStatus };
