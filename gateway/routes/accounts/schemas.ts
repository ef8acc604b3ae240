import { z } from "@hono/zod-openapi";
import { Tenths } from "../../http/schemas.ts";

export const AccountSchema = z
  .object({
    id: z.number().int(),
    kind: z.enum(["personal", "fleet"]),
    name: z.string(),
    email: z.string().nullable(),
    phone: z.string().nullable(),
    status: z.enum(["active", "low_balance", "suspended", "closed"]),
    balanceTenths: Tenths,
    lowBalanceThresholdTenths: Tenths,
    createdAt: z.string(),
    updatedAt: z.string(),
  })
  .openapi("Account");

export const LedgerEntrySchema = z
  .object({
    id: z.number().int(),
    accountId: z.number().int(),
    kind: z.enum(["topup", "toll", "toll_adjustment", "refund", "fee", "correction"]),
    amountTenths: Tenths,
    balanceAfterTenths: Tenths,
    settlementId: z.number().int().nullable(),
    adjustmentId: z.number().int().nullable(),
    description: z.string().nullable(),
    createdBy: z.number().int().nullable(),
    createdAt: z.string(),
  })
  .openapi("LedgerEntry");

export const VehicleSchema = z
  .object({
    id: z.number().int(),
    accountId: z.number().int(),
    plate: z.string(),
    vehicleClass: z.number().int(),
    description: z.string().nullable(),
    createdAt: z.string(),
  })
  .openapi("Vehicle");

export const Name = z.string().trim().min(1).max(200);
export const Email = z.email().max(200);
export const Phone = z
  .string()
  .trim()
  .regex(/^\+?[0-9 ()-]{6,30}$/, "must be a phone number");
export const Threshold = z.number().int().min(0).max(100_000_000);
