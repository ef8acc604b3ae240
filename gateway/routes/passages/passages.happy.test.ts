import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { createTestGateway, expectJson, type TestGateway } from "../../../test/support/gateway.ts";

let gw: TestGateway;
let accountId: number;
const TAG = "E2801160600002085BFC8A3A";
const OTHER_TAG = "E2801160600002085BFC8A3B";

async function passage(ts: string, gantry: string, v: { tag?: string; plate?: string; price?: number | null; cls?: number; account?: number | null }) {
  const r = await gw.testDb.db.one<{ id: number }>(
    `insert into passages (ts, gantry_id, tag_id, plate, read_class, vehicle_class, account_id, posted_price_tenths, batch_no)
     values ($1, $2, $3, $4, $5, $5, $6, $7, 1) returning id`,
    [ts, gantry, v.tag ?? null, v.plate ?? null, v.cls ?? 31, v.account ?? null, v.price === undefined ? 10 : v.price],
  );
  return r.id;
}

beforeAll(async () => {
  gw = await createTestGateway();
  accountId = (await expectJson(await gw.request("/v1/accounts", { method: "POST", role: "admin", json: { kind: "fleet", name: "F" } }), 201)).id;
  for (const id of [TAG, OTHER_TAG])
    await expectJson(await gw.request("/v1/tags", { method: "POST", role: "admin", json: { id, accountId, vehicleClass: 31 } }), 201);
});
afterAll(() => gw.close());

describe("passage search", () => {
  test("by tag, plate, account, gantry and time range, newest first", async () => {
    const p1 = await passage("2026-03-01T08:00:00+08:00", "01F0005S", { tag: TAG, account: accountId });
    const p2 = await passage("2026-03-01T08:01:00+08:00", "01F0017S", { tag: TAG, plate: "ABC-1234", account: accountId });
    const p3 = await passage("2026-03-01T09:00:00+08:00", "01F0005S", { tag: OTHER_TAG, account: accountId });
    const p4 = await passage("2026-03-01T10:00:00+08:00", "01F0005S", { plate: "XYZ-9999" });
    const ids = async (qs: string) => (await expectJson(await gw.request(`/v1/passages?${qs}`, { role: "auditor" }), 200)).items.map((p: any) => p.id);
    expect(await ids(`tagId=${TAG.toLowerCase()}`)).toEqual([p2, p1]);
    expect(await ids("plate=xyz-9999")).toEqual([p4]);
    expect(await ids(`accountId=${accountId}`)).toEqual([p3, p2, p1]);
    expect(await ids("gantryId=01F0005S")).toEqual([p4, p3, p1]);
    expect(
      await ids(`gantryId=01F0005S&from=${encodeURIComponent("2026-03-01T08:30:00+08:00")}&to=${encodeURIComponent("2026-03-01T10:00:00+08:00")}`),
    ).toEqual([p3]);
    const one = (await expectJson(await gw.request(`/v1/passages?plate=ABC-1234`, { role: "toll_operator" }), 200)).items[0];
    expect(one).toMatchObject({
      id: p2,
      ts: "2026-03-01T00:01:00.000Z",
      gantryId: "01F0017S",
      tagId: TAG,
      plate: "ABC-1234",
      vehicleClass: 31,
      accountId,
      postedPriceTenths: 10,
      unpricedReason: null,
    });
  });

  test("cursor pages return every passage once, even with equal and sub-millisecond timestamps", async () => {
    const gantry = "03F0100S";
    const made: number[] = [];
    for (let i = 0; i < 7; i++) made.push(await passage("2026-04-01 08:00:00.000001+08", gantry, { plate: `PG-${i}`, price: null }));
    made.push(await passage("2026-04-01 08:00:00.000002+08", gantry, { plate: "PG-X", price: null }));
    made.push(await passage("2026-04-01 08:00:00.0005+08", gantry, { plate: "PG-Y", price: null }));
    const got: number[] = [];
    let cursor: string | null = null;
    let pages = 0;
    do {
      const page: any = await expectJson(
        await gw.request(`/v1/passages?gantryId=${gantry}&limit=2${cursor ? `&cursor=${cursor}` : ""}`, { role: "auditor" }),
        200,
      );
      got.push(...page.items.map((p: any) => p.id));
      cursor = page.nextCursor;
      pages++;
    } while (cursor);
    expect(pages).toBe(5);
    expect(new Set(got).size).toBe(made.length);
    const expected = await gw.testDb.db.query<{ id: number }>("select id from passages where gantry_id = $1 order by ts desc, id desc", [gantry]);
    expect(got).toEqual(expected.map((r) => r.id));
  });

  test("a gantry's passages years, hours and minutes apart (and in the future) page out newest first, with and without a time range", async () => {
    // The gantry search reads the (gantry_id, ts) b-tree newest first (sql/643).
    const gantry = "05F0001N";
    const now = Date.now();
    const offsetsMin = [24 * 60, 5, -1, -30, -59, -61, -240, -241, -3000, -60 * 24 * 45, -60 * 24 * 400, -60 * 24 * 365 * 6];
    for (const [i, m] of offsetsMin.entries()) await passage(new Date(now + m * 60_000).toISOString(), gantry, { plate: `WIN-${i}`, price: null });
    await passage(new Date(now - 7 * 60_000).toISOString(), "05F0001S", { plate: "WIN-OTHER", price: null });
    const walk = async (qs: string, limit: number) => {
      const got: number[] = [];
      let cursor: string | null = null;
      do {
        const page: any = await expectJson(
          await gw.request(`/v1/passages?gantryId=${gantry}&limit=${limit}${qs}${cursor ? `&cursor=${cursor}` : ""}`, { role: "auditor" }),
          200,
        );
        got.push(...page.items.map((p: any) => p.id));
        cursor = page.nextCursor;
      } while (cursor);
      return got;
    };
    const all = (await gw.testDb.db.query<{ id: number }>("select id from passages where gantry_id = $1 order by ts desc, id desc", [gantry])).map((r) => r.id);
    expect(all.length).toBe(offsetsMin.length);
    for (const limit of [1, 2, 5, 50]) expect(await walk("", limit)).toEqual(all);
    const from = new Date(now - 60 * 24 * 60_000 * 100);
    const to = new Date(now - 60_000);
    const ranged = (
      await gw.testDb.db.query<{ id: number }>("select id from passages where gantry_id = $1 and ts >= $2 and ts < $3 order by ts desc, id desc", [
        gantry,
        from,
        to,
      ])
    ).map((r) => r.id);
    expect(ranged.length).toBe(7);
    for (const limit of [1, 3, 50])
      expect(await walk(`&from=${encodeURIComponent(from.toISOString())}&to=${encodeURIComponent(to.toISOString())}`, limit)).toEqual(ranged);
  });
});

describe("trip view", () => {
  test("a vehicle's local day (Asia/Taipei) in order, with legs, running posted toll and its settlement", async () => {
    // 23:59 the day before and 00:00 the day after are outside 2026-05-02 local.
    await passage("2026-05-01T23:59:59+08:00", "01F0005S", { tag: TAG, price: 13 });
    const a = await passage("2026-05-02T00:00:00+08:00", "01F0005S", { tag: TAG, price: 13 });
    const b = await passage("2026-05-02T00:05:00+08:00", "01F0017S", { tag: TAG, price: 14 });
    const c = await passage("2026-05-02T18:00:00+08:00", "03F0116S", { tag: TAG, price: 50 });
    const d = await passage("2026-05-02T23:59:59.999+08:00", "01F0017N", { tag: TAG, price: null });
    await passage("2026-05-03T00:00:00+08:00", "01F0005S", { tag: TAG, price: 13 });
    await passage("2026-05-02T12:00:00+08:00", "01F0005S", { tag: OTHER_TAG, price: 13 });
    await gw.testDb.db.query(
      `insert into settlements (local_day, vehicle_key, tag_id, account_id, vehicle_class, passages, posted_total_tenths, payable_tenths)
       values ('2026-05-02', $1, $1, $2, 31, 4, 77, 50)`,
      [TAG, accountId],
    );
    const trip = await expectJson(await gw.request(`/v1/trips?day=2026-05-02&tagId=${TAG}`, { role: "auditor" }), 200);
    expect(trip.passages.map((p: any) => p.id)).toEqual([a, b, c, d]);
    expect(trip.route).toEqual(["01F0005S", "01F0017S", "03F0116S", "01F0017N"]);
    expect(trip.passages.map((p: any) => p.runningPostedTenths)).toEqual([13, 27, 77, 77]);
    expect(trip.postedTotalTenths).toBe(77);
    expect(trip.legs.map((l: any) => [l.freeway, l.direction, l.fromGantry, l.toGantry, l.passages, l.postedTenths])).toEqual([
      ["01F", "S", "01F0005S", "01F0017S", 2, 27],
      ["03F", "S", "03F0116S", "03F0116S", 1, 50],
      ["01F", "N", "01F0017N", "01F0017N", 1, 0],
    ]);
    expect(trip.passages[0]).toMatchObject({ km: 0.5, freeway: "01F", direction: "S" });
    expect(trip.settlement).toMatchObject({ payableTenths: 50, revision: 1 });
  });

  test("by plate: the plate-only passages of that day", async () => {
    const p = await passage("2026-06-01T07:00:00+08:00", "01F0005S", { plate: "NOT-4G", price: 13 });
    await passage("2026-06-01T07:01:00+08:00", "01F0017S", { plate: "NOT-4G", tag: TAG, price: 14 });
    const trip = await expectJson(await gw.request(`/v1/trips?day=2026-06-01&plate=not-4g`, { role: "toll_operator" }), 200);
    expect(trip.passages.map((x: any) => x.id)).toEqual([p]);
    expect(trip).toMatchObject({ plate: "NOT-4G", tagId: null, postedTotalTenths: 13, settlement: null });
  });
});
