import type { Database, Queryable } from "../../core/db/database.ts";
import { TollwayError } from "../../core/errors/tollway-error.ts";
import type { CorridorService } from "./corridor-service.ts";
import type { ComputedPlan, PlanBuilder, Split } from "./plan-builder.ts";
import type { SpeedRangeSource } from "./speed-source.ts";

/**
 * Versioned signal plans per corridor: proposed -> approved -> active -> retired. Activating a plan
 * retires the corridor's previous active plan in the same transaction (the partial unique index
 * signal_plans_one_active keeps one active plan per corridor). Any plan that is not retired may be
 * retired directly (a rejected proposal, or switching a corridor back to local control).
 * Callers record the audit row in the transaction they pass in.
 */
export type PlanStatus = "proposed" | "approved" | "active" | "retired";

export interface PlanIntersection {
  intersectionId: number;
  seq: number;
  name: string;
  offsetS: number;
  splits: Split[];
}

export interface SignalPlan {
  id: number;
  corridorId: number;
  version: number;
  status: PlanStatus;
  method: string;
  cycleS: number;
  outboundBandS: number | null;
  inboundBandS: number | null;
  efficiency: number | null;
  solverStatus: string | null;
  createdBy: number | null;
  createdAt: string;
  approvedBy: number | null;
  approvedAt: string | null;
  activatedAt: string | null;
  retiredAt: string | null;
  intersections: PlanIntersection[];
}

export interface SignalPlanDetail extends SignalPlan {
  result: ComputedPlan;
}

/**
 * Controller export, format "tollway.signal-plan.v1": what a field controller needs to run the plan.
 * Times in seconds, rounded to 0.1 s. offsetS = start of the arterial (main-street) green at this
 * intersection after the start of the arterial green at intersection seq 1, in [0, cycleS).
 * splits = green per phase (stage) in the phase order of the corridor definition; lost time is the rest.
 */
export interface ControllerExport {
  format: "tollway.signal-plan.v1";
  corridorId: number;
  corridor: string;
  planId: number;
  version: number;
  activatedAt: string;
  cycleS: number;
  offsetReference: string;
  controllers: {
    intersectionId: number;
    seq: number;
    name: string;
    cycleS: number;
    offsetS: number;
    splits: Split[];
    /** Protected left turns, where the intersection has them. */
    leftTurns: { outbound: "lead" | "lag" | null; inbound: "lead" | "lag" | null } | null;
  }[];
}

const OFFSET_REFERENCE = "start of the arterial green relative to the start of the arterial green at intersection seq 1, seconds, 0 <= offset < cycle";

function leftTurnsOf(
  spec: { outboundFraction?: number; inboundFraction?: number } | undefined,
  plan: { leadOut: boolean; leadIn: boolean } | undefined,
): ControllerExport["controllers"][number]["leftTurns"] {
  const out = (spec?.outboundFraction ?? 0) > 0;
  const inn = (spec?.inboundFraction ?? 0) > 0;
  if (!plan || (!out && !inn)) return null;
  return { outbound: out ? (plan.leadOut ? "lead" : "lag") : null, inbound: inn ? (plan.leadIn ? "lead" : "lag") : null };
}

const r1 = (x: number) => Math.round(x * 10) / 10;
const iso = (d: Date | null) => (d ? d.toISOString() : null);

interface PlanRow extends Record<string, unknown> {
  id: number;
  corridor_id: number;
  version: number;
  status: PlanStatus;
  method: string;
  cycle_s: number;
  outbound_band_s: number | null;
  inbound_band_s: number | null;
  efficiency: number | null;
  solver_status: string | null;
  created_by: number | null;
  created_at: Date;
  approved_by: number | null;
  approved_at: Date | null;
  activated_at: Date | null;
  retired_at: Date | null;
  result?: ComputedPlan;
}

const PLAN_COLUMNS = `id, corridor_id, version, status, method, cycle_s, outbound_band_s, inbound_band_s, efficiency, solver_status,
  created_by, created_at, approved_by, approved_at, activated_at, retired_at`;

export class SignalPlanService {
  constructor(
    private readonly db: Database,
    private readonly corridors: CorridorService,
    private readonly builder: PlanBuilder,
    private readonly speeds: SpeedRangeSource,
  ) {}

  /** Computes a plan; call it outside any transaction (solving takes a while), then `store` it. */
  async compute(corridorId: number): Promise<ComputedPlan> {
    const corridor = await this.corridors.get(corridorId);
    const speeds = await this.speeds.speedsFor(corridor);
    return this.builder.build(corridor, speeds);
  }

  /** Stores a computed plan as the corridor's next 'proposed' version. */
  async store(corridorId: number, computed: ComputedPlan, createdBy: number | null, q: Queryable): Promise<SignalPlan> {
    // Lock the corridor so concurrent proposals get consecutive versions.
    const c = await q.maybeOne("select id from corridors where id = $1 for update", [corridorId]);
    if (!c) throw new TollwayError("not_found", `No corridor ${corridorId}`);
    const ids = await q.query<{ id: number; seq: number }>("select id, seq from intersections where corridor_id = $1 order by seq", [corridorId]);
    if (ids.length !== computed.intersections.length) throw new TollwayError("conflict", "The corridor's intersections changed while the plan was computed");
    const plan = await q.one<{ id: number }>(
      `insert into signal_plans (corridor_id, version, status, method, cycle_s, outbound_band_s, inbound_band_s, efficiency, solver_status, result, created_by)
       values ($1, coalesce((select max(version) from signal_plans where corridor_id = $1), 0) + 1, 'proposed', $2, $3, $4, $5, $6, $7, $8::jsonb, $9)
       returning id`,
      [
        corridorId,
        computed.method,
        computed.cycleS,
        computed.outboundBandS,
        computed.inboundBandS,
        computed.efficiency,
        computed.solverStatus,
        JSON.stringify(computed),
        createdBy,
      ],
    );
    for (const [k, i] of computed.intersections.entries()) {
      await q.query("insert into signal_plan_intersections (plan_id, intersection_id, offset_s, splits) values ($1, $2, $3, $4::jsonb)", [
        plan.id,
        ids[k]!.id,
        i.offsetS,
        JSON.stringify(i.splits),
      ]);
    }
    return this.get(plan.id, q);
  }

  async get(planId: number, q: Queryable = this.db): Promise<SignalPlan> {
    const row = await q.maybeOne<PlanRow>(`select ${PLAN_COLUMNS} from signal_plans where id = $1`, [planId]);
    if (!row) throw new TollwayError("not_found", `No signal plan ${planId}`);
    return this.toPlan(row, q);
  }

  async detail(planId: number, q: Queryable = this.db): Promise<SignalPlanDetail> {
    const row = await q.maybeOne<PlanRow>(`select ${PLAN_COLUMNS}, result from signal_plans where id = $1`, [planId]);
    if (!row) throw new TollwayError("not_found", `No signal plan ${planId}`);
    return { ...(await this.toPlan(row, q)), result: row.result! };
  }

  async list(corridorId: number, q: Queryable = this.db): Promise<SignalPlan[]> {
    await this.corridors.get(corridorId, q);
    const rows = await q.query<PlanRow>(`select ${PLAN_COLUMNS} from signal_plans where corridor_id = $1 order by version desc`, [corridorId]);
    return Promise.all(rows.map((r) => this.toPlan(r, q)));
  }

  async approve(planId: number, approvedBy: number | null, q: Queryable): Promise<{ before: SignalPlan; after: SignalPlan }> {
    const before = await this.lockPlan(planId, q);
    if (before.status !== "proposed") throw new TollwayError("conflict", `Plan ${planId} is ${before.status}; only a proposed plan can be approved`);
    await q.query("update signal_plans set status = 'approved', approved_by = $2, approved_at = now() where id = $1", [planId, approvedBy]);
    return { before, after: await this.get(planId, q) };
  }

  /** approved -> active; the corridor's active plan (if any) becomes retired. */
  async activate(planId: number, q: Queryable): Promise<{ before: SignalPlan; after: SignalPlan; retired: SignalPlan | null }> {
    const head = await q.maybeOne<{ corridor_id: number }>("select corridor_id from signal_plans where id = $1", [planId]);
    if (!head) throw new TollwayError("not_found", `No signal plan ${planId}`);
    await q.query("select id from corridors where id = $1 for update", [head.corridor_id]);
    const before = await this.lockPlan(planId, q);
    if (before.status !== "approved") throw new TollwayError("conflict", `Plan ${planId} is ${before.status}; only an approved plan can be activated`);
    const old = await q.maybeOne<{ id: number }>("select id from signal_plans where corridor_id = $1 and status = 'active' for update", [head.corridor_id]);
    if (old) await q.query("update signal_plans set status = 'retired', retired_at = now() where id = $1", [old.id]);
    await q.query("update signal_plans set status = 'active', activated_at = now() where id = $1", [planId]);
    return { before, after: await this.get(planId, q), retired: old ? await this.get(old.id, q) : null };
  }

  async retire(planId: number, q: Queryable): Promise<{ before: SignalPlan; after: SignalPlan }> {
    const before = await this.lockPlan(planId, q);
    if (before.status === "retired") throw new TollwayError("conflict", `Plan ${planId} is already retired`);
    await q.query("update signal_plans set status = 'retired', retired_at = now() where id = $1", [planId]);
    return { before, after: await this.get(planId, q) };
  }

  async exportActive(corridorId: number, q: Queryable = this.db): Promise<ControllerExport> {
    const corridor = await this.corridors.get(corridorId, q);
    const row = await q.maybeOne<PlanRow>(`select ${PLAN_COLUMNS}, result from signal_plans where corridor_id = $1 and status = 'active'`, [corridorId]);
    if (!row) throw new TollwayError("not_found", `Corridor ${corridorId} has no active plan`);
    const plan = await this.toPlan(row, q);
    const result = row.result!;
    return {
      format: "tollway.signal-plan.v1",
      corridorId,
      corridor: corridor.name,
      planId: plan.id,
      version: plan.version,
      activatedAt: plan.activatedAt!,
      cycleS: r1(plan.cycleS),
      offsetReference: OFFSET_REFERENCE,
      controllers: plan.intersections.map((i, k) => ({
        intersectionId: i.intersectionId,
        seq: i.seq,
        name: i.name,
        cycleS: r1(plan.cycleS),
        offsetS: r1(i.offsetS) >= r1(plan.cycleS) ? 0 : r1(i.offsetS),
        splits: i.splits.map((s) => ({ phase: s.phase, greenS: r1(s.greenS) })),
        leftTurns: leftTurnsOf(corridor.intersections[k]?.leftTurn, result.intersections[k]),
      })),
    };
  }

  private async lockPlan(planId: number, q: Queryable): Promise<SignalPlan> {
    const row = await q.maybeOne<PlanRow>(`select ${PLAN_COLUMNS} from signal_plans where id = $1 for update`, [planId]);
    if (!row) throw new TollwayError("not_found", `No signal plan ${planId}`);
    return this.toPlan(row, q);
  }

  private async toPlan(r: PlanRow, q: Queryable): Promise<SignalPlan> {
    const rows = await q.query<{ intersection_id: number; seq: number; name: string; offset_s: number; splits: Split[] }>(
      `select pi.intersection_id, i.seq, i.name, pi.offset_s, pi.splits
         from signal_plan_intersections pi join intersections i on i.id = pi.intersection_id
        where pi.plan_id = $1 order by i.seq`,
      [r.id],
    );
    return {
      id: r.id,
      corridorId: r.corridor_id,
      version: r.version,
      status: r.status,
      method: r.method,
      cycleS: r.cycle_s,
      outboundBandS: r.outbound_band_s,
      inboundBandS: r.inbound_band_s,
      efficiency: r.efficiency,
      solverStatus: r.solver_status,
      createdBy: r.created_by,
      createdAt: r.created_at.toISOString(),
      approvedBy: r.approved_by,
      approvedAt: iso(r.approved_at),
      activatedAt: iso(r.activated_at),
      retiredAt: iso(r.retired_at),
      intersections: rows.map((x) => ({ intersectionId: x.intersection_id, seq: x.seq, name: x.name, offsetS: x.offset_s, splits: x.splits })),
    };
  }
}
