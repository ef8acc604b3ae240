import { z } from "@hono/zod-openapi";
import { TariffAdmin } from "../../../core/tariff/tariff-admin.ts";
import { defineRoute } from "../../http/define-route.ts";
import { EVERYONE } from "../../http/roles.ts";
import { TariffSchema } from "./schemas.ts";

export default defineRoute(
  {
    method: "get",
    path: "/v1/tariffs",
    tags: ["tariffs"],
    summary: "List tariff versions with their class rates",
    roles: EVERYONE,
    responses: { 200: { description: "Tariff versions", content: { "application/json": { schema: z.object({ items: z.array(TariffSchema) }) } } } },
  },
  async (c) => c.json({ items: await new TariffAdmin(c.var.deps.db).list() }, 200),
);
