import { runMain } from "../core/cli/main.ts";
import { createHighsLoader } from "../control/greenwave/highs.ts";
import { extendedLittleArterial, littleArterial } from "../control/greenwave/little-1966.ts";
import { MaxbandSolver, oneWayProgression } from "../control/greenwave/maxband.ts";

/**
 * MAXBAND solve time on Little's 1966 arterial (10 signals) and on 20- and 30-signal arterials made by
 * repeating it (deterministic). Progress on stderr; the last stdout line is one JSON object.
 * Usage: bun run bench:greenwave [--repeat N]   (median of N solves per size, default 3)
 */
await runMain("bench-greenwave", async ({ logger, args }) => {
  const at = args.indexOf("--repeat");
  const repeat = at >= 0 ? Math.max(1, Number(args[at + 1]) || 3) : 3;
  const loadHighs = createHighsLoader();
  const solver = new MaxbandSolver(loadHighs, { timeLimitS: 120 });
  // Load and warm up the WASM once, so the numbers are solve times, not compile times.
  await solver.solve({ ...littleArterial(), signals: littleArterial().signals.slice(0, 3) });

  const solveSeconds: Record<string, number> = {};
  const objectiveCycles: Record<string, number> = {};
  const cycleS: Record<string, number> = {};
  const status: Record<string, string> = {};
  let littleObjectiveCycles = 0;
  let littleBaselineCycles = 0;
  for (const n of [10, 20, 30]) {
    const arterial = n === 10 ? littleArterial() : extendedLittleArterial(n);
    const times: number[] = [];
    for (let r = 0; r < repeat; r++) {
      const plan = await solver.solve(arterial);
      times.push(plan.solveSeconds);
      objectiveCycles[n] = Number(plan.objectiveCycles.toFixed(6));
      cycleS[n] = Number(plan.cycleS.toFixed(3));
      status[n] = plan.solverStatus;
      if (n === 10) {
        littleObjectiveCycles = plan.objectiveCycles;
        littleBaselineCycles = oneWayProgression(arterial, plan.cycleS).objectiveCycles;
      }
      logger.info("solved", {
        signals: n,
        run: r + 1,
        seconds: Number(plan.solveSeconds.toFixed(3)),
        status: plan.solverStatus,
        objectiveCycles: plan.objectiveCycles,
      });
    }
    times.sort((x, y) => x - y);
    solveSeconds[n] = Number(times[Math.floor(times.length / 2)]!.toFixed(3));
  }
  process.stderr.write(
    `greenwave: median solve 10/20/30 signals = ${solveSeconds[10]}/${solveSeconds[20]}/${solveSeconds[30]} s; Little b+b̄ = ${littleObjectiveCycles.toFixed(4)} cycles at C = ${cycleS[10]} s\n`,
  );
  console.log(
    JSON.stringify({
      solveSeconds,
      littleObjectiveCycles: Number(littleObjectiveCycles.toFixed(6)),
      littleOneWayBaselineCycles: Number(littleBaselineCycles.toFixed(6)),
      objectiveCycles,
      cycleS,
      status,
      repeat,
      tenUnderTwoSeconds: (solveSeconds[10] ?? Infinity) < 2,
    }),
  );
});
