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
