import type { Role } from "./types.ts";

/** Role sets routes share, so the same kind of operation is open to the same people everywhere. */
export const EVERYONE: readonly Role[] = ["admin", "toll_operator", "traffic_operator", "auditor"];
/** Customer data (accounts, tags, passages): read by toll operators and auditors. */
export const CUSTOMER_READERS: readonly Role[] = ["admin", "toll_operator", "auditor"];
/** Customer data changes. */
export const CUSTOMER_WRITERS: readonly Role[] = ["admin", "toll_operator"];
export const AUDIT_READERS: readonly Role[] = ["admin", "auditor"];
export const ADMINS: readonly Role[] = ["admin"];
