import { z } from "@hono/zod-openapi";
import { defineRoute } from "../../http/define-route.ts";

const Ready = z.object({ status: z.enum(["ready", "unavailable"]), database: z.enum(["ok", "unreachable"]), detail: z.string().optional() });

export default defineRoute(
  {
    method: "get",
    path: "/readyz",
    tags: ["operations"],
    summary: "Readiness: the database answers",
    roles: "public",
    responses: {
      200: { description: "Ready", content: { "application/json": { schema: Ready } } },
      503: { description: "Not ready", content: { "application/json": { schema: Ready } } },
    },
  },
  async (c) => {
    const { db } = c.var.deps;
    try {
      // Bounded: a hung database must not hang the probe.
      await Promise.race([db.one("select 1 as ok"), new Promise((_, reject) => setTimeout(() => reject(new Error("timed out after 2 s")), 2000).unref?.())]);
      return c.json({ status: "ready" as const, database: "ok" as const }, 200);
    } catch (e) {
      return c.json({ status: "unavailable" as const, database: "unreachable" as const, detail: e instanceof Error ? e.message.slice(0, 200) : "error" }, 503);
    }
  },
);
