import type { Queryable } from "../db/database.ts";
import { TollwayError, type FieldIssue } from "../errors/tollway-error.ts";
import { VEHICLE_CLASSES } from "../vehicle/vehicle-class.ts";
import { SPECIAL_DAY_COLUMNS } from "./tariff-catalog.ts";

/**
 * Reading and writing tariff versions and the special-day calendar. A published tariff is never
 * edited in place (passages and settlements refer to it): a change is a new version. A correction of
 * a mistake is a new version with the same effective_from, which wins over the old one (higher
 * version), and re-running the affected days re-rates them. Writes take the caller's transaction,
 * so the route records its audit row in the same commit.
 */

export interface TariffSummary {
  id: number;
  code: string;
  version: number;
  name: string;
  networkVersion: string;
  effectiveFrom: string;
  effectiveTo: string | null;
  dailyFreeKmTenths: number;
  longDistanceKmTenths: number;
  longDistanceDiscountPct: number;
  status: "draft" | "active" | "retired";
  createdAt: string;
  rates: { vehicleClass: number; rateTenthsPerKm: number }[];
  zoneCount: number;
}

export interface TariffDetail extends TariffSummary {
  zones: { gantryId: string; zoneKmTenths: number }[];
}

export interface NewTariff {
  code: string;
  name: string;
  networkVersion?: string | undefined;
  effectiveFrom: Date;
  effectiveTo?: Date | null | undefined;
  dailyFreeKmTenths?: number | undefined;
  longDistanceKmTenths?: number | undefined;
  longDistanceDiscountPct?: number | undefined;
  status?: "draft" | "active" | undefined;
  rates: { vehicleClass: number; rateTenthsPerKm: number }[];
  /** Zones of the new version: copied from `copyZonesFrom` (default: the latest version of the code), then these override. */
  zones?: { gantryId: string; zoneKmTenths: number }[] | undefined;
  copyZonesFrom?: number | undefined;
}

export interface SpecialDayInput {
  tariffId?: number | null | undefined;
  day: string;
  kind: "single_rate" | "free_hours" | "section_discount";
  ratePct?: number | null | undefined;
  freeFrom?: string | null | undefined;
  freeTo?: string | null | undefined;
  gantryIds?: string[] | null | undefined;
  discountPct?: number | null | undefined;
  note?: string | null | undefined;
}

export interface SpecialDayView {
  id: number;
  tariffId: number | null;
  day: string;
  kind: "single_rate" | "free_hours" | "section_discount";
  ratePct: number | null;
  freeFrom: string | null;
  freeTo: string | null;
  gantryIds: string[] | null;
  discountPct: number | null;
  note: string | null;
  createdAt: string;
}

interface TariffRow extends Record<string, unknown> {
  id: number;
  code: string;
  version: number;
  name: string;
  network_version: string;
  effective_from: Date;
  effective_to: Date | null;
  daily_free_km_tenths: number;
  long_distance_km_tenths: number;
  long_distance_discount_pct: number;
  status: "draft" | "active" | "retired";
  created_at: Date;
  rates: { vehicleClass: number; rateTenthsPerKm: number }[] | null;
  zone_count: number;
}

const TARIFF_SELECT = `select t.id, t.code, t.version, t.name, t.network_version, t.effective_from, t.effective_to, t.daily_free_km_tenths,
    t.long_distance_km_tenths, t.long_distance_discount_pct, t.status, t.created_at,
    (select json_agg(json_build_object('vehicleClass', r.vehicle_class, 'rateTenthsPerKm', r.rate_tenths_per_km) order by r.vehicle_class)
       from tariff_class_rates r where r.tariff_id = t.id) as rates,
    (select count(*)::int from tariff_zones z where z.tariff_id = t.id) as zone_count
  from tariffs t`;

function toSummary(r: TariffRow): TariffSummary {
  return {
    id: r.id,
    code: r.code,
    version: r.version,
    name: r.name,
    networkVersion: r.network_version,
    effectiveFrom: r.effective_from.toISOString(),
    effectiveTo: r.effective_to?.toISOString() ?? null,
    dailyFreeKmTenths: r.daily_free_km_tenths,
    longDistanceKmTenths: r.long_distance_km_tenths,
    longDistanceDiscountPct: r.long_distance_discount_pct,
    status: r.status,
    createdAt: r.created_at.toISOString(),
    rates: r.rates ?? [],
    zoneCount: r.zone_count,
  };
}

interface SpecialDayRow extends Record<string, unknown> {
  id: number;
  tariff_id: number | null;
  day: string;
  kind: SpecialDayView["kind"];
  rate_pct: number | null;
  free_from: string | null;
  free_to: string | null;
  gantry_ids: string[] | null;
  discount_pct: number | null;
  note: string | null;
  created_at: Date;
}

const toSpecialDay = (r: SpecialDayRow): SpecialDayView => ({
  id: r.id,
  tariffId: r.tariff_id,
  day: r.day,
  kind: r.kind,
  ratePct: r.rate_pct,
  freeFrom: r.free_from,
  freeTo: r.free_to,
  gantryIds: r.gantry_ids,
  discountPct: r.discount_pct,
  note: r.note,
  createdAt: r.created_at.toISOString(),
});

/** Checks a special day has the fields its kind needs, naming the missing one. */
function checkSpecialDay(s: SpecialDayInput): void {
  const need = (ok: boolean, field: string, message: string) => {
    if (!ok) throw new TollwayError("bad_request", `${s.kind}: ${message}`, { fields: [{ field: `body.${field}`, message }] });
  };
  if (s.kind === "single_rate") need(s.ratePct != null, "ratePct", "required for a single-rate day");
  if (s.kind === "free_hours") {
    need(s.freeFrom != null, "freeFrom", "required for free hours");
    need(s.freeTo != null, "freeTo", "required for free hours");
  }
  if (s.kind === "section_discount") {
    need(!!s.gantryIds && s.gantryIds.length > 0, "gantryIds", "at least one gantry is required for a section discount");
    need(s.discountPct != null, "discountPct", "required for a section discount");
  }
}

export class TariffAdmin {
  constructor(private readonly db: Queryable) {}

  async list(): Promise<TariffSummary[]> {
    return (await this.db.query<TariffRow>(`${TARIFF_SELECT} order by t.code, t.version`)).map(toSummary);
  }

  async get(id: number, q: Queryable = this.db): Promise<TariffDetail> {
    const r = await q.maybeOne<TariffRow>(`${TARIFF_SELECT} where t.id = $1`, [id]);
    if (!r) throw new TollwayError("not_found", `tariff ${id} does not exist`);
    const zones = await q.query<{ gantry_id: string; zone_km_tenths: number }>(
      "select gantry_id, zone_km_tenths from tariff_zones where tariff_id = $1 order by gantry_id",
      [id],
    );
    return { ...toSummary(r), zones: zones.map((z) => ({ gantryId: z.gantry_id, zoneKmTenths: z.zone_km_tenths })) };
  }

  async create(tx: Queryable, t: NewTariff): Promise<TariffDetail> {
    const classes = new Set(t.rates.map((r) => r.vehicleClass));
    if (classes.size !== t.rates.length)
      throw new TollwayError("bad_request", "a vehicle class is rated twice", { fields: [{ field: "body.rates", message: "one rate per vehicle class" }] });
    const gantries = new Set<string>();
    for (const [i, z] of (t.zones ?? []).entries()) {
      if (gantries.has(z.gantryId)) {
        throw new TollwayError("bad_request", `gantry ${z.gantryId} is given twice in zones`, {
          fields: [{ field: `body.zones.${i}.gantryId`, message: "one zone length per gantry" }],
        });
      }
      gantries.add(z.gantryId);
    }
    if (t.effectiveTo && t.effectiveTo <= t.effectiveFrom) {
      throw new TollwayError("bad_request", "effectiveTo must be after effectiveFrom", {
        fields: [{ field: "body.effectiveTo", message: "must be after effectiveFrom" }],
      });
    }
    // Serialise version numbers per code.
    await tx.query("select pg_advisory_xact_lock(7462251, hashtext($1))", [t.code]);
    const prev = await tx.maybeOne<{ id: number; version: number; network_version: string }>(
      "select id, version, network_version from tariffs where code = $1 order by version desc limit 1",
      [t.code],
    );
    const source = t.copyZonesFrom ?? prev?.id;
    if (t.copyZonesFrom !== undefined && !(await tx.maybeOne("select 1 from tariffs where id = $1", [t.copyZonesFrom]))) {
      throw new TollwayError("unprocessable", `tariff ${t.copyZonesFrom} does not exist`, {
        fields: [{ field: "body.copyZonesFrom", message: "no such tariff" }],
      });
    }
    const row = await tx.one<{ id: number }>(
      `insert into tariffs (code, version, name, network_version, effective_from, effective_to, daily_free_km_tenths, long_distance_km_tenths,
                            long_distance_discount_pct, status)
       values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) returning id`,
      [
        t.code,
        (prev?.version ?? 0) + 1,
        t.name,
        t.networkVersion ?? prev?.network_version ?? "2015",
        t.effectiveFrom,
        t.effectiveTo ?? null,
        t.dailyFreeKmTenths ?? 200,
        t.longDistanceKmTenths ?? 2000,
        t.longDistanceDiscountPct ?? 25,
        t.status ?? "active",
      ],
    );
    await tx.query("insert into tariff_class_rates (tariff_id, vehicle_class, rate_tenths_per_km) select $1, * from unnest($2::smallint[], $3::int[])", [
      row.id,
      t.rates.map((r) => r.vehicleClass),
      t.rates.map((r) => r.rateTenthsPerKm),
    ]);
    if (source !== undefined) {
      await tx.query(
        "insert into tariff_zones (tariff_id, gantry_id, zone_km_tenths) select $1, gantry_id, zone_km_tenths from tariff_zones where tariff_id = $2",
        [row.id, source],
      );
    }
    if (t.zones?.length) {
      await tx.query(
        `insert into tariff_zones (tariff_id, gantry_id, zone_km_tenths) select $1, * from unnest($2::text[], $3::int[])
         on conflict (tariff_id, gantry_id) do update set zone_km_tenths = excluded.zone_km_tenths`,
        [row.id, t.zones.map((z) => z.gantryId), t.zones.map((z) => z.zoneKmTenths)],
      );
    }
    if ((t.status ?? "active") === "active") await this.checkComplete(tx, row.id);
    return this.get(row.id, tx);
  }

  /**
   * An active tariff prices every vehicle class and every toll zone of the network: a class without a
   * rate or a zone without a length would price its passages at NULL, and they would settle to 0.
   * Checked on what was stored (copied zones, then overrides), inside the caller's transaction, so a
   * refusal stores nothing. Drafts may be incomplete; they never price.
   */
  private async checkComplete(tx: Queryable, tariffId: number): Promise<void> {
    const rated = new Set(
      (await tx.query<{ vehicle_class: number }>("select vehicle_class from tariff_class_rates where tariff_id = $1", [tariffId])).map((r) => r.vehicle_class),
    );
    const unratedClasses = VEHICLE_CLASSES.filter((c) => !rated.has(c));
    const unpricedZones = (
      await tx.query<{ gantry_id: string }>(
        `select z.gantry_id from toll_zones z
          where not exists (select 1 from tariff_zones t where t.tariff_id = $1 and t.gantry_id = z.gantry_id)
          order by z.gantry_id`,
        [tariffId],
      )
    ).map((r) => r.gantry_id);
    const fields: FieldIssue[] = [];
    if (unratedClasses.length > 0) fields.push({ field: "body.rates", message: `no rate for vehicle class ${unratedClasses.join(", ")}` });
    if (unpricedZones.length > 0) {
      const shown = unpricedZones.slice(0, 20).join(", ");
      const more = unpricedZones.length > 20 ? ` and ${unpricedZones.length - 20} more` : "";
      fields.push({ field: "body.zones", message: `no zone length for toll zone ${shown}${more} (give them in zones, or copy them with copyZonesFrom)` });
    }
    if (fields.length > 0) {
      throw new TollwayError(
        "unprocessable",
        `An active tariff must price every vehicle class and every toll zone: ${fields.map((f) => f.message).join("; ")}`,
        { fields },
      );
    }
  }

  async specialDays(from: string, to: string): Promise<SpecialDayView[]> {
    const rows = await this.db.query<SpecialDayRow>(
      `select ${SPECIAL_DAY_COLUMNS} from tariff_special_days where day between $1::date and $2::date order by day, id`,
      [from, to],
    );
    return rows.map(toSpecialDay);
  }

  async specialDay(id: number, q: Queryable = this.db): Promise<SpecialDayView> {
    const r = await q.maybeOne<SpecialDayRow>(`select ${SPECIAL_DAY_COLUMNS} from tariff_special_days where id = $1`, [id]);
    if (!r) throw new TollwayError("not_found", `special day ${id} does not exist`);
    return toSpecialDay(r);
  }

  private async checkTariff(tx: Queryable, tariffId: number | null | undefined): Promise<void> {
    if (tariffId != null && !(await tx.maybeOne("select 1 from tariffs where id = $1", [tariffId]))) {
      throw new TollwayError("unprocessable", `tariff ${tariffId} does not exist`, { fields: [{ field: "body.tariffId", message: "no such tariff" }] });
    }
  }

  private params(s: SpecialDayInput): unknown[] {
    const only = <T>(kind: SpecialDayInput["kind"], v: T | null | undefined) => (s.kind === kind ? (v ?? null) : null);
    return [
      s.tariffId ?? null,
      s.day,
      s.kind,
      only("single_rate", s.ratePct),
      only("free_hours", s.freeFrom),
      only("free_hours", s.freeTo),
      only("section_discount", s.gantryIds),
      only("section_discount", s.discountPct),
      s.note ?? null,
    ];
  }

  async createSpecialDay(tx: Queryable, s: SpecialDayInput): Promise<SpecialDayView> {
    checkSpecialDay(s);
    await this.checkTariff(tx, s.tariffId);
    const r = await tx.one<{ id: number }>(
      `insert into tariff_special_days (tariff_id, day, kind, rate_pct, free_from, free_to, gantry_ids, discount_pct, note)
       values ($1, $2::date, $3, $4, $5::time, $6::time, $7::text[], $8, $9) returning id`,
      this.params(s),
    );
    return this.specialDay(r.id, tx);
  }

  async updateSpecialDay(tx: Queryable, id: number, s: SpecialDayInput): Promise<{ before: SpecialDayView; after: SpecialDayView }> {
    const before = await this.specialDay(id, tx);
    checkSpecialDay(s);
    await this.checkTariff(tx, s.tariffId);
    await tx.query(
      `update tariff_special_days set tariff_id = $1, day = $2::date, kind = $3, rate_pct = $4, free_from = $5::time, free_to = $6::time,
              gantry_ids = $7::text[], discount_pct = $8, note = $9 where id = $10`,
      [...this.params(s), id],
    );
    return { before, after: await this.specialDay(id, tx) };
  }

  async deleteSpecialDay(tx: Queryable, id: number): Promise<SpecialDayView> {
    const before = await this.specialDay(id, tx);
    await tx.query("delete from tariff_special_days where id = $1", [id]);
    return before;
  }
}
