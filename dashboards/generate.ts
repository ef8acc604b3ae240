import { mkdirSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { runMain } from "../core/cli/main.ts";
import { DASHBOARD_DIR, renderAll } from "./render.ts";

// `bun run dashboards`: regenerates the committed Grafana JSON and alert rules.
await runMain("dashboards", async ({ logger }) => {
  const root = join(import.meta.dir, "..");
  const files = renderAll();
  // Dashboards that no longer exist in code must not linger in the provisioned folder.
  for (const name of readdirSync(join(root, DASHBOARD_DIR))) {
    if (name.endsWith(".json") && !files.has(`${DASHBOARD_DIR}/${name}`)) rmSync(join(root, DASHBOARD_DIR, name));
  }
  for (const [path, text] of [...files].sort(([a], [b]) => a.localeCompare(b))) {
    mkdirSync(dirname(join(root, path)), { recursive: true });
    writeFileSync(join(root, path), text);
    logger.info("written", { path, bytes: text.length });
  }
  process.stdout.write(`${files.size} files written\n`);
});
