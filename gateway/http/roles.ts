/**
 * Who may call what: the roles an API key can have, the caller resolved from its key, and the role
 * groups routes share, so the same kind of operation is open to the same people everywhere. Every
 * route names one of these groups (or "public"); none spells roles out.
 */
export const ROLES = ["admin", "toll_operator", "traffic_operator", "auditor"] as const;
export type Role = (typeof ROLES)[number];

/** The caller, resolved from its API key. */
export interface AuthContext {
  keyId: number;
  name: string;
  role: Role;
  prefix: string;
}

/** Reference data (gantries, zones, tariffs, special days) and toll quotes: everyone with a key. */
export const EVERYONE: readonly Role[] = ROLES;
/** Customer data and money (accounts, tags, passages, settlements, plate bills, adjustments): read by toll operators and auditors. */
export const CUSTOMER_READERS: readonly Role[] = ["admin", "toll_operator", "auditor"];
/** Customer data and money changes. */
export const CUSTOMER_WRITERS: readonly Role[] = ["admin", "toll_operator"];
/** Traffic data (counts, travel times, speeds, trips, hotspots) and signal-plan changes: the control centre. */
export const TRAFFIC_OPERATORS: readonly Role[] = ["admin", "traffic_operator"];
/** Corridors and signal plans: the control centre, and auditors. */
export const SIGNAL_PLAN_READERS: readonly Role[] = ["admin", "traffic_operator", "auditor"];
export const AUDIT_READERS: readonly Role[] = ["admin", "auditor"];
/** API keys, tariffs, the special-day calendar, billing policy. */
export const ADMINS: readonly Role[] = ["admin"];
