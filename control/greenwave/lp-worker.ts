import { createHighsLoader } from "./highs.ts";
import { slimSolution, type LpOptions, type LpSolution } from "./lp-solver.ts";

/** Worker side of WorkerLpSolver: loads HiGHS once and answers {id, lp, options} with {id, result | error}. */
declare const self: Worker;

const loadHighs = createHighsLoader();

self.onmessage = async (e: MessageEvent<{ id: number; lp: string; options: LpOptions }>) => {
  const { id, lp, options } = e.data;
  try {
    const highs = await loadHighs();
    const result: LpSolution = slimSolution(highs.solve(lp, { output_flag: false, ...options }) as unknown as LpSolution);
    self.postMessage({ id, result });
  } catch (err) {
    self.postMessage({ id, error: err instanceof Error ? err.message : String(err) });
  }
};
