import { z } from "@hono/zod-openapi";
import { defineRoute } from "../../http/define-route.ts";

export default defineRoute(
  {
    method: "get",
    path: "/healthz",
    tags: ["operations"],
    summary: "Liveness: the process serves HTTP",
    roles: "public",
    responses: {
      200: { description: "Alive", content: { "application/json": { schema: z.object({ status: z.literal("ok") }) } } },
    },
  },
  (c) => c.json({ status: "ok" as const }, 200),
);
