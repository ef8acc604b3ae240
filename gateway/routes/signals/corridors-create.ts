import { actorOf, recordAudit } from "../../audit/audit-log.ts";
import { defineRoute } from "../../http/define-route.ts";
import { TRAFFIC_OPERATORS } from "../../http/roles.ts";
import { CorridorInput, CorridorSchema } from "./schemas.ts";

export default defineRoute(
  {
    method: "post",
    path: "/v1/corridors",
    tags: ["signals"],
    summary: "Create a signalised corridor (ordered intersections, speeds, phases)",
    description:
      "Rules across fields (422, `fields` names each): cycleMaxS >= cycleMinS; each speed's maxMs >= minMs; intersection names unique; " +
      "distanceM > 0 after the first intersection; at least one phase per intersection and at most one arterial phase; either every phase " +
      "has flow and saturation (Webster), or the arterial phase has greenS > 0 and redS >= 0 (fixed timing); Webster lost time shorter " +
      "than cycleMinS; left-turn fractions together below 0.5. A corridor name already in use is a 409.",
    roles: TRAFFIC_OPERATORS,
    request: { body: { content: { "application/json": { schema: CorridorInput } } } },
    responses: {
      201: { description: "Created", content: { "application/json": { schema: CorridorSchema } } },
      422: { description: "The corridor breaks a domain rule (fields name each problem)" },
    },
  },
  async (c) => {
    const body = c.req.valid("json");
    const { corridors } = c.var.deps.signals;
    const actor = actorOf(c);
    const created = await c.var.deps.db.tx(async (tx) => {
      const made = await corridors.create(body, tx);
      await recordAudit(tx, actor, { action: "corridor.create", entity: "corridor", entityId: made.id, after: made });
      return made;
    });
    return c.json(created, 201);
  },
);
