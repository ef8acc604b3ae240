import { z } from "@hono/zod-openapi";
import { NetworkStore } from "../../../core/network/network-store.ts";
import { actorOf, recordAudit } from "../../audit/audit-log.ts";
import { defineRoute } from "../../http/define-route.ts";
import { ADMINS } from "../../http/roles.ts";
import { Direction, GantryId } from "../reference/schemas.ts";
import { NetworkVersionSchema } from "./schemas.ts";

export default defineRoute(
  {
    method: "post",
    path: "/v1/network/versions",
    tags: ["reference"],
    summary: "Add a network version (gantries opened, renumbered, moved or closed from a date)",
    description:
      "The new version is `basedOn` (default: the latest) with `renumber` (old id -> new id: the new id is linked to the old one, " +
      "so the site's history continues), `add` and `remove` applied; chains are derived again and the base's links carried over. " +
      "From `validFrom` on, everything dated uses it: TDCS import and export, travel times, trips, hotspots, reliability, tariffs " +
      "(a renumbered gantry keeps its zone). A version valid now becomes the current network (gantries, road segments) at once, and " +
      "the ingest and the control jobs use it from their next group or run, without a restart.\n\n" +
      "Rules across fields: `code` and `validFrom` unused (409); every `renumber.from` and `remove` a gantry of the base, every " +
      "`renumber.to` and `add.id` not one (422 naming the field).",
    roles: ADMINS,
    request: {
      body: {
        content: {
          "application/json": {
            schema: z.object({
              code: z
                .string()
                .trim()
                .regex(/^[0-9A-Za-z._-]{1,40}$/, "letters, digits, dots, dashes, underscores")
                .openapi({ example: "2027-01" }),
              validFrom: z.iso.datetime({ offset: true }).openapi({ example: "2027-01-01T00:00:00+08:00" }),
              note: z.string().trim().max(500).optional(),
              basedOn: z.string().trim().min(1).max(40).optional(),
              renumber: z
                .array(z.object({ from: GantryId, to: GantryId }))
                .max(500)
                .optional(),
              add: z
                .array(
                  z.object({
                    id: GantryId,
                    direction: Direction,
                    km: z.number().min(0).max(1000).optional(),
                    lat: z.number().min(-90).max(90).optional(),
                    lon: z.number().min(-180).max(180).optional(),
                    roadId: z.string().trim().min(1).max(20).optional(),
                    roadName: z.string().trim().min(1).max(100).optional(),
                    sectionStart: z.string().trim().max(100).optional(),
                    sectionEnd: z.string().trim().max(100).optional(),
                  }),
                )
                .max(500)
                .optional(),
              remove: z.array(GantryId).max(500).optional(),
            }),
          },
        },
      },
    },
    responses: {
      201: { description: "The new version", content: { "application/json": { schema: NetworkVersionSchema } } },
      404: { description: "The base version (`basedOn`) does not exist" },
      409: { description: "A version with this code or validFrom exists" },
      422: { description: "The changes do not fit the base version" },
    },
  },
  async (c) => {
    const b = c.req.valid("json");
    const actor = actorOf(c);
    const created = await new NetworkStore(c.var.deps.db).add(b, async (tx) => {
      await recordAudit(tx, actor, { action: "network_version.create", entity: "network_version", entityId: b.code, after: b });
    });
    return c.json(created, 201);
  },
);
