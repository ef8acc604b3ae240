import { rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { LocalHaLayout } from "../ha/local-layout.ts";
import { runMain } from "./main.ts";

/**
 * `bun run ha:local [-- sim flags]`: the high-availability layout on this machine without Docker
 * (core/ha/local-layout.ts): a pg_auto_failover monitor, primary and synchronous standby under
 * $TMPDIR/tollway-ha-<uid>, two ingest instances, two gateways, the control jobs and the simulator, until
 * Ctrl-C. Needs pg_auto_failover (`bash scripts/setup.sh --failover`). That directory is created
 * afresh at each start and removed at the end.
 */
await runMain("ha-local", async ({ config, logger, args }) => {
  // Under the temporary directory: the OS user postgres must reach it (a clone under /root is out of its reach).
  const dir = join(tmpdir(), `tollway-ha-${process.getuid?.() ?? 0}`);
  rmSync(dir, { recursive: true, force: true });
  const layout = new LocalHaLayout({
    dir,
    ingestInstances: 2,
    gatewayInstances: 2,
    control: true,
    simulatorArgs: config.startSimulator ? ["--no-fsync", ...args] : undefined,
    env: { DATA_DIR: join(dir, "sim-data") },
    logger,
  });
  let stop: () => void = () => undefined;
  const stopped = new Promise<void>((r) => (stop = r));
  process.once("SIGINT", () => stop());
  process.once("SIGTERM", () => stop());
  try {
    await layout.start();
    const f = layout.formation;
    console.log(
      [
        "Tollway HA layout is running",
        `  database  ${f.url}`,
        `  read URL  ${f.readUrl}`,
        `  monitor   ${f.monitorUrl}  (pg_autoctl state: ${(await f.states()).map((s) => `${s.name}=${s.reported}`).join(", ")})`,
        ...layout.ingests.map((i) => `  ${i.name}  ${i.address}  (readiness ${i.readyUrl})`),
        ...layout.gateways.map((g) => `  ${g.name} ${g.address}`),
        `  logs of the database nodes: ${dir}/*.log`,
        "Press Ctrl-C to stop.",
      ].join("\n"),
    );
    await stopped;
  } finally {
    await layout.stop({ removeDir: true });
  }
  console.log("Tollway HA layout stopped.");
});
