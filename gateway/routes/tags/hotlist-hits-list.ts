import { z } from "@hono/zod-openapi";
import { defineRoute } from "../../http/define-route.ts";
import { CUSTOMER_READERS } from "../../http/roles.ts";
import { Cursor, decodeIdCursor, idPage, Limit, TagId, Timestamp } from "../../http/schemas.ts";
import { HotlistService } from "../../tags/hotlist.ts";
import { GantryId } from "../reference/schemas.ts";

export default defineRoute(
  {
    method: "get",
    path: "/v1/hotlist-hits",
    tags: ["tags"],
    summary: "Reads of blocked, lost or stolen tags (hotlist hits), newest first",
    description:
      "Each passage of a tag that was blocked, lost or stolen when it was stored: not charged to the tag's owner, billed by the plate read instead (`vehicleKey`), or unbillable without a plate.",
    roles: CUSTOMER_READERS,
    request: {
      query: z.object({
        tagId: TagId.optional(),
        gantryId: GantryId.optional(),
        from: Timestamp.optional(),
        to: Timestamp.optional(),
        limit: Limit,
        cursor: Cursor,
      }),
    },
    responses: {
      200: {
        description: "A page of hits",
        content: {
          "application/json": {
            schema: z.object({
              items: z.array(
                z
                  .object({
                    id: z.number().int(),
                    ts: z.string(),
                    gantryId: z.string(),
                    tagId: z.string(),
                    tagStatus: z.enum(["blocked", "lost", "stolen"]),
                    plate: z.string().nullable(),
                    ownerAccountId: z.number().int(),
                    vehicleKey: z.string().openapi({ description: "What the passage was billed as: vehicle:<id>, plate:<plate>, or the tag (unbillable)" }),
                    receivedAt: z.string(),
                  })
                  .openapi("HotlistHit"),
              ),
              nextCursor: z.string().nullable(),
            }),
          },
        },
      },
    },
  },
  async (c) => {
    const q = c.req.valid("query");
    const items = await new HotlistService(c.var.deps.db).list({
      tagId: q.tagId,
      gantryId: q.gantryId,
      from: q.from ? new Date(q.from) : undefined,
      to: q.to ? new Date(q.to) : undefined,
      before: decodeIdCursor(q.cursor),
      limit: q.limit,
    });
    return c.json(idPage(items, q.limit), 200);
  },
);
