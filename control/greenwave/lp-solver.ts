import type { HighsLoader } from "./highs.ts";

/**
 * Solves CPLEX-LP text with HiGHS. In process for CLIs and tests; in a Worker for servers, because a
 * HiGHS solve is synchronous WASM and would stall every other request for its whole duration.
 */
export interface LpColumn {
  Primal?: number;
}

export interface LpSolution {
  Status: string;
  ObjectiveValue: number;
  Columns: Record<string, LpColumn>;
}

export interface LpOptions {
  mip_rel_gap?: number;
  time_limit?: number;
}

export interface LpSolver {
  solve(lp: string, options: LpOptions): Promise<LpSolution>;
}

/** Keeps only what callers read (status, objective, primal values), which also makes it cloneable. */
export function slimSolution(r: { Status: string; ObjectiveValue: number; Columns: Record<string, unknown> }): LpSolution {
  const Columns: Record<string, LpColumn> = {};
  for (const [k, v] of Object.entries(r.Columns ?? {})) {
    const p = (v as { Primal?: unknown }).Primal;
    Columns[k] = typeof p === "number" ? { Primal: p } : {};
  }
  return { Status: r.Status, ObjectiveValue: r.ObjectiveValue, Columns };
}

export class InProcessLpSolver implements LpSolver {
  constructor(private readonly loadHighs: HighsLoader) {}

  async solve(lp: string, options: LpOptions): Promise<LpSolution> {
    const highs = await this.loadHighs();
    return slimSolution(highs.solve(lp, { output_flag: false, ...options }) as unknown as LpSolution);
  }
}

interface Pending {
  resolve: (s: LpSolution) => void;
  reject: (e: Error) => void;
}

/** One worker thread, solves queued in order. `close()` ends it for good; it never keeps the process alive. */
export class WorkerLpSolver implements LpSolver {
  private worker: Worker | undefined;
  private next = 1;
  private readonly pending = new Map<number, Pending>();
  private closed = false;
  private live = 0;

  /** Worker threads started and not yet ended, as the runtime reports them: 0 some time after close(). */
  get liveWorkers(): number {
    return this.live;
  }

  private start(): Worker {
    if (this.worker) return this.worker;
    const w = new Worker(new URL("./lp-worker.ts", import.meta.url).href);
    w.unref();
    this.live++;
    w.addEventListener("close", () => this.live--);
    w.onmessage = (e: MessageEvent<{ id: number; result?: LpSolution; error?: string }>) => {
      const p = this.pending.get(e.data.id);
      if (!p) return;
      this.pending.delete(e.data.id);
      if (e.data.result) p.resolve(e.data.result);
      else p.reject(new Error(e.data.error ?? "LP worker failed"));
    };
    w.onerror = (e) => {
      // A crashed worker fails everything queued; the next solve starts a fresh one.
      for (const p of this.pending.values()) p.reject(new Error(`LP worker crashed: ${e.message}`));
      this.pending.clear();
      this.worker = undefined;
    };
    this.worker = w;
    return w;
  }

  solve(lp: string, options: LpOptions): Promise<LpSolution> {
    if (this.closed) return Promise.reject(new Error("LP solver closed"));
    const w = this.start();
    const id = this.next++;
    return new Promise((resolve, reject) => {
      this.pending.set(id, { resolve, reject });
      w.postMessage({ id, lp, options });
    });
  }

  close(): void {
    this.closed = true;
    this.worker?.terminate();
    this.worker = undefined;
    for (const p of this.pending.values()) p.reject(new Error("LP solver closed"));
    this.pending.clear();
  }
}
