import { describe, expect, test } from "bun:test";
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { DASHBOARD_DIR, renderAll } from "../dashboards/render.ts";

const root = join(import.meta.dir, "..");

describe("generated dashboards", () => {
  test("regenerating gives byte-identical files to the committed ones, and no committed dashboard is orphaned", () => {
    const files = renderAll();
    for (const [path, text] of files) {
      expect(readFileSync(join(root, path), "utf8"), `${path} is stale: run \`bun run dashboards\``).toBe(text);
    }
    const committed = readdirSync(join(root, DASHBOARD_DIR)).filter((f) => f.endsWith(".json"));
    expect(committed.map((f) => `${DASHBOARD_DIR}/${f}`).sort()).toEqual([...files.keys()].filter((p) => p.startsWith(DASHBOARD_DIR)).sort());
  });

  test("rendering twice is deterministic", () => {
    expect([...renderAll()]).toEqual([...renderAll()]);
  });

  test("every dashboard has a unique uid, unique panel ids, panels inside the 24-column grid, and the fixed datasource", () => {
    const uids = new Set<string>();
    for (const [path, text] of renderAll()) {
      if (!path.endsWith(".json")) continue;
      const d = JSON.parse(text) as {
        uid: string;
        panels: { id: number; gridPos: { x: number; y: number; w: number; h: number }; datasource: unknown; targets: unknown[] }[];
      };
      expect(uids.has(d.uid)).toBe(false);
      uids.add(d.uid);
      const ids = d.panels.map((p) => p.id);
      expect(new Set(ids).size).toBe(ids.length);
      for (const p of d.panels) {
        expect(p.gridPos.x + p.gridPos.w).toBeLessThanOrEqual(24);
        expect(p.datasource).toEqual({ type: "grafana-postgresql-datasource", uid: "tollway-pg" });
        expect(p.targets.length).toBeGreaterThan(0);
      }
    }
    expect([...uids].sort()).toEqual(["tollway-gantry", "tollway-ingest", "tollway-network", "tollway-signals", "tollway-tolling"]);
  });
});
