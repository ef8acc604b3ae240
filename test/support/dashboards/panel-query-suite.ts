import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import type pg from "pg";
import type { Database } from "../../../core/db/database.ts";
import { expandGrafanaSql, type ExpandOptions, type TemplateVariable } from "../../../dashboards/sql/grafana-macros.ts";
import {
  alertQueries,
  committedDashboards,
  expectAlertShape,
  expectPanelShape,
  panelQueries,
  resolveVariables,
  runAsGrafana,
  type DashboardJson,
} from "./panel-queries.ts";
import { seedDashboardData, type SeedReport } from "./seed.ts";

export interface SuiteTarget {
  label: string;
  /** The datasource's jsonData.timescaledb: which $__timeGroup expansion Grafana uses. */
  timescaledb: boolean;
  /** The panel interval Grafana would compute ($__interval). */
  intervalMs: number;
  /** Ingest options for this server (PGlite needs smaller transactions). */
  seed?: { maxGroupReads?: number };
  /** A migrated, network-seeded database, and how to dispose of it. */
  open(): Promise<{ db: Database; close(): Promise<void> }>;
}

/**
 * Runs every panel query and alert query of the committed dashboards, expanded with Grafana's rules,
 * as the read-only Grafana role against seeded data, and checks each result's shape.
 */
export function definePanelQuerySuite(target: SuiteTarget): void {
  const dashboards = committedDashboards();
  const queries = panelQueries(dashboards);
  const alerts = alertQueries();

  describe(`dashboard queries on ${target.label}`, () => {
    let close: () => Promise<void>;
    let client: pg.PoolClient;
    let base: ExpandOptions;
    let seeded: SeedReport;
    const variables = new Map<string, Record<string, TemplateVariable>>();

    beforeAll(async () => {
      let db: Database;
      ({ db, close } = await target.open());
      const now = new Date();
      seeded = await seedDashboardData(db, now, target.seed ?? {});
      client = await db.pool.connect();
      base = {
        from: new Date(now.getTime() - 6 * 3_600_000),
        to: new Date(now.getTime() + 60_000),
        intervalMs: target.intervalMs,
        timescaledb: target.timescaledb,
      };
    }, 120_000);

    afterAll(async () => {
      client?.release();
      await close?.();
    }, 30_000);

    async function variablesOf(d: DashboardJson) {
      if (!variables.has(d.uid)) variables.set(d.uid, await resolveVariables(client, d, base));
      return variables.get(d.uid)!;
    }

    test("the dashboards have queries, and none hides SQL in comments (newer Grafana strips them before macros)", () => {
      expect(dashboards.length).toBe(5);
      expect(queries.length).toBeGreaterThan(30);
      for (const q of [...queries.map((x) => x.target.rawSql), ...alerts.map((a) => a.rawSql)]) expect(q).not.toMatch(/--|\/\*/);
    });

    test("the ingest's tables were filled by the real ingest", async () => {
      expect(seeded.ingest.batches).toBeGreaterThan(seeded.gantries.length);
      expect(seeded.ingest.rejected).toBeGreaterThan(0);
      // Every accepted read is a passage or an antenna duplicate.
      const count = async (sql: string) => Number((await client.query<{ n: number }>(sql)).rows[0]!.n);
      const duplicates = await count("select coalesce(sum(antenna_duplicates), 0)::int as n from ingest_batches");
      expect(seeded.passages + duplicates).toBe(seeded.ingest.accepted);
      expect(duplicates).toBeGreaterThan(0);
      expect(await count("select count(*)::int as n from ingest_stats where instance = 'ingest-test' and reads > 0")).toBeGreaterThan(0);
      expect(await count("select count(*)::int as n from dead_letters where read_index is null and reason like 'unknown gantry%'")).toBe(1);
    });

    // Queries that depend on the interval also run at one hour, where some switch to hourly rollups.
    const runs = queries.flatMap((q) => [{ q, hourly: false }, ...(q.target.rawSql.includes("$__interval") ? [{ q, hourly: true }] : [])]);
    for (const { q, hourly } of runs) {
      test(`${q.name}${hourly ? " (1h interval)" : ""}`, async () => {
        expect(q.target.datasource).toEqual({ type: "grafana-postgresql-datasource", uid: "tollway-pg" });
        const opts = { ...base, ...(hourly ? { intervalMs: 3_600_000 } : {}), variables: await variablesOf(q.dashboard) };
        const sql = expandGrafanaSql(q.target.rawSql, opts);
        expect(sql).not.toMatch(/\$__|\$\{|\[\[|\$[a-z]/);
        if (/\$__timeGroup/.test(q.target.rawSql)) expect(sql.includes("time_bucket(")).toBe(target.timescaledb);
        expectPanelShape(q, await runAsGrafana(client, sql));
      });
    }

    for (const a of alerts) {
      test(`alert: ${a.title}`, async () => {
        const to = new Date();
        const sql = expandGrafanaSql(a.rawSql, { ...base, from: new Date(to.getTime() - a.lookbackS * 1000), to, intervalMs: 60_000 });
        expectAlertShape(a, await runAsGrafana(client, sql));
      });
    }

    test("the Grafana role cannot read secrets or personal data", async () => {
      for (const t of ["api_keys", "gantry_keys", "accounts"]) {
        await expect(runAsGrafana(client, `select count(*) from ${t}`)).rejects.toThrow(/permission denied/);
      }
      await expect(runAsGrafana(client, "delete from passages")).rejects.toThrow(/permission denied/);
    });
  });
}
