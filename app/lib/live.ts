/**
 * The live status frame the events route pushes (about once a second) and the canvas reads.
 * Only what the canvas shows: states, problems, 5-minute counts, queue sizes, bulletins.
 */
import type { FlowProblem } from "./engine-client";
import type { LiveStatus } from "./flow-service";

/** One processor's live state. Counts are the engine's rolling 5-minute window. */
export interface ProcessorLive {
  id: string;
  state: "stopped" | "starting" | "running" | "stopping" | "disabled" | "invalid";
  problems: Array<{ property: string; message: string }>;
  activeTasks: number;
  in: number;
  inBytes: number;
  out: number;
  outBytes: number;
}

/** One connection's queue. `fill` = max(count/objectThreshold, bytes/bytesThreshold). */
export interface ConnectionLive {
  id: string;
  count: number;
  bytes: number;
  objectThreshold: number;
  bytesThreshold: number;
  fill: number;
}

/** A bulletin (engine warning or error) as shown in the bulletin list. */
export interface BulletinLive {
  id: number;
  timestamp: number;
  level: string;
  componentId: string;
  componentName: string;
  message: string;
}

/** The data of one `status` server-sent event. */
export interface StatusFrame {
  revision: number;
  deployed: boolean;
  running: boolean;
  pending: FlowProblem[];
  at: number;
  processors: ProcessorLive[];
  connections: ConnectionLive[];
  bulletins: BulletinLive[];
}

/** Builds the frame from a service status (server side). */
export function statusFrame(s: LiveStatus): StatusFrame {
  const st = s.status;
  return {
    revision: s.revision,
    deployed: s.deployed,
    running: st?.running ?? false,
    pending: s.pending,
    at: s.at,
    processors: (st?.processors ?? []).map((p) => ({
      id: p.id,
      state: p.state,
      problems: p.problems,
      activeTasks: p.activeTasks,
      in: p.stats.in,
      inBytes: p.stats.inBytes,
      out: p.stats.out,
      outBytes: p.stats.outBytes,
    })),
    connections: (st?.connections ?? []).map((c) => ({
      id: c.id,
      count: c.queued.count,
      bytes: c.queued.bytes,
      objectThreshold: c.objectThreshold,
      bytesThreshold: c.bytesThreshold,
      fill: c.fill,
    })),
    bulletins: (st?.bulletins ?? []).slice(-20),
  };
}
