import type { Queryable } from "../../core/db/database.ts";

/**
 * Hotlist hits: passages of tags that were blocked, lost or stolen when the ingest stored them
 * (sql/662). Not charged to the tag's owner; `vehicleKey` says what they were billed as instead.
 */
export interface HotlistHit {
  id: number;
  ts: string;
  gantryId: string;
  tagId: string;
  tagStatus: "blocked" | "lost" | "stolen";
  plate: string | null;
  ownerAccountId: number;
  vehicleKey: string;
  receivedAt: string;
}

interface HotlistHitRow extends Record<string, unknown> {
  id: number;
  ts: Date;
  gantry_id: string;
  tag_id: string;
  tag_status: HotlistHit["tagStatus"];
  plate: string | null;
  owner_account_id: number;
  vehicle_key: string;
  received_at: Date;
}

export interface HotlistFilter {
  tagId?: string;
  gantryId?: string;
  from?: Date;
  to?: Date;
  /** Continue below this id (newest first). */
  before?: number;
  limit: number;
}

export class HotlistService {
  constructor(private readonly db: Queryable) {}

  async list(f: HotlistFilter): Promise<HotlistHit[]> {
    const rows = await this.db.query<HotlistHitRow>(
      `select id, ts, gantry_id, tag_id, tag_status, plate, owner_account_id, vehicle_key, received_at from hotlist_hits
        where ($1::text is null or tag_id = $1) and ($2::text is null or gantry_id = $2)
          and ($3::timestamptz is null or ts >= $3) and ($4::timestamptz is null or ts < $4) and ($5::bigint is null or id < $5)
        order by id desc limit $6`,
      [f.tagId ?? null, f.gantryId ?? null, f.from ?? null, f.to ?? null, f.before ?? null, f.limit],
    );
    return rows.map((r) => ({
      id: r.id,
      ts: r.ts.toISOString(),
      gantryId: r.gantry_id,
      tagId: r.tag_id,
      tagStatus: r.tag_status,
      plate: r.plate ?? null,
      ownerAccountId: r.owner_account_id,
      vehicleKey: r.vehicle_key,
      receivedAt: r.received_at.toISOString(),
    }));
  }
}
