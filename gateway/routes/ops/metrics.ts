import { z } from "@hono/zod-openapi";
import { defineRoute } from "../../http/define-route.ts";

export default defineRoute(
  {
    method: "get",
    path: "/metrics",
    tags: ["operations"],
    summary: "Prometheus metrics: requests by route and status, latency histogram",
    roles: "public",
    responses: {
      200: { description: "Prometheus text exposition format", content: { "text/plain": { schema: z.string() } } },
    },
  },
  (c) => c.text(c.var.deps.metrics.render(), 200, { "content-type": "text/plain; version=0.0.4; charset=utf-8" }),
);
