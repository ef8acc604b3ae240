import { z } from "@hono/zod-openapi";
import { defineRoute } from "../../http/define-route.ts";
import { SIGNAL_PLAN_READERS } from "../../http/roles.ts";
import { CorridorSummarySchema } from "./schemas.ts";

export default defineRoute(
  {
    method: "get",
    path: "/v1/corridors",
    tags: ["signals"],
    summary: "List signalised corridors with their active plan",
    roles: SIGNAL_PLAN_READERS,
    responses: { 200: { description: "Corridors", content: { "application/json": { schema: z.object({ items: z.array(CorridorSummarySchema) }) } } } },
  },
  async (c) => c.json({ items: await c.var.deps.signals.corridors.list() }, 200),
);
