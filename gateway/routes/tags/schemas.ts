import { z } from "@hono/zod-openapi";
import { TAG_STATUSES } from "../../tags/tags.ts";
import { TagId } from "../../http/schemas.ts";

export const TagStatus = z.enum(TAG_STATUSES);

export const TagSchema = z
  .object({
    id: z.string(),
    accountId: z.number().int(),
    vehicleId: z.number().int().nullable(),
    vehicleClass: z.number().int(),
    status: TagStatus,
    statusChangedAt: z.string(),
    statusVersion: z.number().int().openapi({ description: "Version of the last status change (tag status list)" }),
    createdAt: z.string(),
  })
  .openapi("Tag");

export const TagParams = z.object({ id: TagId.openapi({ param: { name: "id", in: "path" } }) });
