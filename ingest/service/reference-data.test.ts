import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { createTestDatabase, type TestDatabase } from "../../test/support/test-database.ts";
import { ReferenceData, Tariffs, type TariffPricing } from "./reference-data.ts";

const tariff = (id: number, from: string, to?: string): TariffPricing => ({
  id,
  fromMs: Date.parse(from),
  toMs: to ? Date.parse(to) : Number.POSITIVE_INFINITY,
  prices: new Map(),
});

describe("Tariffs", () => {
  test("where versions overlap the newer one wins, whatever was asked before", () => {
    // Newest effective_from first, as loadTariffs orders them.
    const t = new Tariffs([tariff(3, "2026-09-01", "2026-10-01"), tariff(2, "2026-06-01"), tariff(1, "2026-01-01")]);
    const at = (iso: string) => t.at(Date.parse(iso))?.id ?? null;
    expect(at("2025-12-31T23:59:59Z")).toBeNull();
    expect(at("2026-05-31T00:00:00Z")).toBe(1);
    // Asked right after a time under version 1: still the newer version 2.
    expect(at("2026-06-01T00:00:00Z")).toBe(2);
    expect(at("2026-09-15T00:00:00Z")).toBe(3);
    expect(at("2026-10-01T00:00:00Z")).toBe(2);
    expect(at("2026-02-01T00:00:00Z")).toBe(1);
    expect(at("2030-01-01T00:00:00Z")).toBe(2);
  });

  test("spans are exact: any time inside one has the same tariff; gaps have none", () => {
    const list = [tariff(2, "2026-03-01", "2026-04-01"), tariff(1, "2026-01-01", "2026-02-01")];
    const t = new Tariffs(list);
    const reference = (ms: number) => list.find((x) => ms >= x.fromMs && ms < x.toMs)?.id ?? null;
    const base = Date.parse("2025-12-01");
    for (let k = 0; k < 5000; k++) {
      const ms = base + Math.floor((((k * 7919) % 5000) / 5000) * 150 * 86_400_000);
      const span = t.span(ms);
      expect(ms >= span.fromMs && ms < span.toMs).toBe(true);
      expect(span.tariff?.id ?? null).toBe(reference(ms));
    }
    expect(new Tariffs([]).at(0)).toBeUndefined();
  });
});

describe("ReferenceData", () => {
  let tdb: TestDatabase;
  beforeAll(async () => {
    tdb = await createTestDatabase();
  });
  afterAll(async () => {
    await tdb?.drop();
  });

  test("reloads only when gantries or tariffs changed, and prices by the engine's rule (drafts never, retired versions in their period)", async () => {
    const db = tdb.db;
    const ref = new ReferenceData(() => Date.now() - 86_400_000);
    const first = await ref.current(db);
    expect(await ref.current(db)).toBe(first);
    const seeded = first.tariffs.at(Date.now())!;
    expect(seeded).toBeDefined();
    const later = Date.now() + 3_600_000;
    const add = async (status: string) =>
      (
        await db.one<{ id: number }>(
          `insert into tariffs (code, version, name, network_version, effective_from, status)
           values ('TEST', (select coalesce(max(version), 0) + 1 from tariffs where code = 'TEST'), 'test', '2015', $1, $2) returning id`,
          [new Date(later), status],
        )
      ).id;
    await add("draft");
    const afterDraft = await ref.current(db);
    expect(afterDraft).not.toBe(first);
    expect(afterDraft.version).toBeGreaterThan(first.version);
    expect(afterDraft.tariffs.at(later)!.id).toBe(seeded.id);
    const active = await add("active");
    expect((await ref.current(db)).tariffs.at(later)!.id).toBe(active);
    expect((await ref.current(db)).tariffs.at(later - 1)!.id).toBe(seeded.id);
    // Retired: still prices its own period, as settlement re-rates it.
    await db.query("update tariffs set status = 'retired' where id = $1", [active]);
    const retired = await ref.current(db);
    expect(retired.tariffs.at(later)!.id).toBe(active);
    // Nothing changed: the same snapshot, no reload.
    expect(await ref.current(db)).toBe(retired);
  });
});
