import type { UnpricedReason } from "../../core/tariff/tariff.ts";
import type { Queryable } from "../../core/db/database.ts";
import { TollwayError } from "../../core/errors/tollway-error.ts";
import { localDayBounds } from "../../core/time/local-time.ts";
import { plateKey } from "../../core/vehicle/vehicle-class.ts";

/**
 * Passage search and the trip view. Pages are ordered newest first by (ts, id) and continued with
 * a keyset cursor; the cursor carries ts in whole microseconds, PostgreSQL's precision, so no
 * passage is skipped or repeated between pages.
 */
export interface Passage {
  id: number;
  ts: string;
  gantryId: string;
  tagId: string | null;
  plate: string | null;
  plateConfidence: number | null;
  lane: number | null;
  readClass: number;
  vehicleClass: number;
  accountId: number | null;
  tariffId: number | null;
  postedPriceTenths: number | null;
  /** Why there is no posted price (sql/651), null when priced. */
  unpricedReason: UnpricedReason | null;
  /** The vehicle the ingest resolved the read to (core/settlement/README.md, "Vehicle identity"); null before sql/661. */
  vehicleKey: string | null;
  /** A registered tag read with a plate of another vehicle (the tag decided): listed for review. */
  identityConflict: boolean;
}

export interface PassageFilter {
  tagId?: string;
  plate?: string;
  accountId?: number;
  gantryId?: string;
  /** Only passages whose tag and plate named different vehicles. */
  identityConflict?: boolean;
  from?: Date;
  to?: Date;
  /** Continue after this (ts in microseconds since the epoch, id). */
  after?: { tsUs: number; id: number };
  limit: number;
}

const cols = (a: string) =>
  `${a}id, ${a}ts, ${a}gantry_id, ${a}tag_id, ${a}plate, ${a}plate_confidence, ${a}lane, ${a}read_class, ${a}vehicle_class, ${a}account_id,
   ${a}tariff_id, ${a}posted_price_tenths, ${a}unpriced_reason, ${a}vehicle_key, coalesce(${a}identity_conflict, false) as identity_conflict,
   (extract(epoch from ${a}ts) * 1000000)::bigint as ts_us`;

/** A row of `cols`. */
interface PassageRow extends Record<string, unknown> {
  id: number;
  ts: Date;
  gantry_id: string;
  tag_id: string | null;
  plate: string | null;
  plate_confidence: number | null;
  lane: number | null;
  read_class: number;
  vehicle_class: number;
  account_id: number | null;
  tariff_id: number | null;
  posted_price_tenths: number | null;
  unpriced_reason: UnpricedReason | null;
  vehicle_key: string | null;
  identity_conflict: boolean;
  ts_us: number;
}

interface TripStopRow extends PassageRow {
  freeway: string | null;
  direction: string | null;
  km: number | null;
  road_name: string | null;
}

const toPassage = (r: PassageRow): Passage => ({
  id: r.id,
  ts: r.ts.toISOString(),
  gantryId: r.gantry_id,
  tagId: r.tag_id ?? null,
  plate: r.plate ?? null,
  plateConfidence: r.plate_confidence ?? null,
  lane: r.lane ?? null,
  readClass: r.read_class,
  vehicleClass: r.vehicle_class,
  accountId: r.account_id ?? null,
  tariffId: r.tariff_id ?? null,
  postedPriceTenths: r.posted_price_tenths ?? null,
  unpricedReason: r.unpriced_reason ?? null,
  vehicleKey: r.vehicle_key ?? null,
  identityConflict: r.identity_conflict,
});

export interface TripStop extends Passage {
  freeway: string | null;
  direction: string | null;
  km: number | null;
  roadName: string | null;
  runningPostedTenths: number;
}

export interface TripLeg {
  freeway: string | null;
  direction: string | null;
  fromGantry: string;
  toGantry: string;
  fromKm: number | null;
  toKm: number | null;
  passages: number;
  postedTenths: number;
}

export class PassageService {
  constructor(
    private readonly db: Queryable,
    private readonly timeZone: string,
  ) {}

  async search(f: PassageFilter): Promise<{ items: Passage[]; next: { tsUs: number; id: number } | null }> {
    // The route asks for a vehicle (hash indexes on tag and plate) or a gantry (the (gantry_id, ts) b-tree, sql/643).
    const rows = await this.newest(f, f.limit + 1);
    const more = rows.length > f.limit;
    const page = more ? rows.slice(0, f.limit) : rows;
    const last = page.at(-1);
    return { items: page.map(toPassage), next: more && last ? { tsUs: last.ts_us, id: last.id } : null };
  }

  /** One query, newest first. */
  private newest(f: PassageFilter, limit: number) {
    const where: string[] = [];
    const params: unknown[] = [];
    const p = (v: unknown) => {
      params.push(v);
      return `$${params.length}`;
    };
    if (f.tagId !== undefined) where.push(`tag_id = ${p(f.tagId)}`);
    if (f.plate !== undefined) where.push(`plate = ${p(f.plate)}`);
    // Through the account's tags, so the search uses the tag index.
    if (f.accountId !== undefined) where.push(`tag_id = any(array(select id from tags where account_id = ${p(f.accountId)}))`);
    if (f.gantryId !== undefined) where.push(`gantry_id = ${p(f.gantryId)}`);
    if (f.identityConflict) where.push("identity_conflict");
    if (f.from !== undefined) where.push(`ts >= ${p(f.from)}`);
    if (f.to !== undefined) where.push(`ts < ${p(f.to)}`);
    if (f.after) where.push(`(ts, id) < (timestamptz 'epoch' + ${p(f.after.tsUs)} * interval '1 microsecond', ${p(f.after.id)})`);
    return this.db.query<PassageRow>(
      `select ${cols("")} from passages ${where.length ? `where ${where.join(" and ")}` : ""} order by ts desc, id desc limit ${p(limit)}`,
      params,
    );
  }

  /** One vehicle's passages on one local day, in order, with its route and running posted toll. */
  async trip(vehicle: { tagId?: string; plate?: string }, day: string) {
    if ((vehicle.tagId === undefined) === (vehicle.plate === undefined)) {
      throw new TollwayError("bad_request", "Give exactly one of tagId and plate", {
        fields: [{ field: vehicle.tagId === undefined ? "query.tagId" : "query.plate", message: "give exactly one of tagId and plate" }],
      });
    }
    const { start, end } = localDayBounds(day, this.timeZone);
    // A plate trip shows plate-only passages: tagged passages of that plate are billed to the tag.
    const rows = await this.db.query<TripStopRow>(
      `select ${cols("p.")}, g.freeway, g.direction, g.km, g.road_name
       from passages p left join gantries g on g.id = p.gantry_id
       where ${vehicle.tagId !== undefined ? "p.tag_id = $1" : "p.plate = $1 and p.tag_id is null"} and p.ts >= $2 and p.ts < $3
       order by p.ts, p.id`,
      [vehicle.tagId ?? vehicle.plate, start, end],
    );
    let running = 0;
    const stops: TripStop[] = rows.map((r) => {
      running += r.posted_price_tenths ?? 0;
      return {
        ...toPassage(r),
        freeway: r.freeway ?? null,
        direction: r.direction ?? null,
        km: r.km ?? null,
        roadName: r.road_name ?? null,
        runningPostedTenths: running,
      };
    });
    // Legs: runs of consecutive passages on one freeway in one direction.
    const legs: TripLeg[] = [];
    for (const s of stops) {
      const leg = legs.at(-1);
      if (leg && leg.freeway === s.freeway && leg.direction === s.direction) {
        leg.toGantry = s.gantryId;
        leg.toKm = s.km;
        leg.passages++;
        leg.postedTenths += s.postedPriceTenths ?? 0;
      } else {
        legs.push({
          freeway: s.freeway,
          direction: s.direction,
          fromGantry: s.gantryId,
          toGantry: s.gantryId,
          fromKm: s.km,
          toKm: s.km,
          passages: 1,
          postedTenths: s.postedPriceTenths ?? 0,
        });
      }
    }
    const key = vehicle.tagId ?? plateKey(vehicle.plate!);
    const settlement = await this.db.maybeOne<{ id: number; payable_tenths: number; revision: number }>(
      `select id, payable_tenths, revision from settlements where local_day = $1 and vehicle_key = $2`,
      [day, key],
    );
    return {
      day,
      timeZone: this.timeZone,
      tagId: vehicle.tagId ?? null,
      plate: vehicle.plate ?? null,
      passages: stops,
      route: stops.map((s) => s.gantryId),
      legs,
      postedTotalTenths: running,
      settlement: settlement ? { id: settlement.id, payableTenths: settlement.payable_tenths, revision: settlement.revision } : null,
    };
  }
}
