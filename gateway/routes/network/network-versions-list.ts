import { z } from "@hono/zod-openapi";
import { NetworkStore } from "../../../core/network/network-store.ts";
import { defineRoute } from "../../http/define-route.ts";
import { EVERYONE } from "../../http/roles.ts";
import { NetworkVersionSchema } from "./schemas.ts";

export default defineRoute(
  {
    method: "get",
    path: "/v1/network/versions",
    tags: ["reference"],
    summary: "Network versions: the road network as it was from each date, with the gantries it renumbered or moved",
    roles: EVERYONE,
    responses: {
      200: { description: "Versions, oldest first", content: { "application/json": { schema: z.object({ items: z.array(NetworkVersionSchema) }) } } },
    },
  },
  async (c) => c.json({ items: await new NetworkStore(c.var.deps.db).list() }, 200),
);
