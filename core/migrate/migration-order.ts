import { TollwayError } from "../errors/tollway-error.ts";

/**
 * The rules that make every database apply the migrations in one order, so a fresh database and an
 * upgraded one end up alike (the migrator checks them before applying anything):
 *
 * - Each number belongs to one migration (NNN_name.sql and its NNN_name.timescale.sql layer).
 * - A file never applied may not sort before a file already applied: it was added "in the past",
 *   and a fresh database would run it earlier than this one. It needs a number above every file.
 *   The TimescaleDB layer switched on for a database whose core was migrated without it is the one
 *   exception: its files then apply after the core, in their order.
 * - A renamed file is recognised by its old name (RENAMED_MIGRATIONS), so a rename re-runs nothing.
 *   The recorded name stays the old one, so older code still finds it; the text must not change.
 */
export const RENAMED_MIGRATIONS: Readonly<Record<string, string>> = {
  "250_settlement.sql": "250_settlement_special_days.sql",
  "300_control.sql": "300_trip_keys_hotspot_index.sql",
  "400_signals_settings.sql": "400_intersection_settings.sql",
};

const TIMESCALE_SUFFIX = ".timescale.sql";

export const isTimescaleFile = (file: string): boolean => file.endsWith(TIMESCALE_SUFFIX);

/** The number and name a file shares with its TimescaleDB layer: 009_rollups for 009_rollups.timescale.sql. */
const migrationOf = (file: string): string => (isTimescaleFile(file) ? file.slice(0, -TIMESCALE_SUFFIX.length) : file.slice(0, -".sql".length));

/** What `schema_migrations` records (name → checksum), keyed by the current file names. */
export function appliedUnderCurrentNames(recorded: ReadonlyMap<string, string>): Map<string, string> {
  const applied = new Map(recorded);
  for (const [old, renamed] of Object.entries(RENAMED_MIGRATIONS)) {
    const checksum = recorded.get(old);
    if (checksum !== undefined && !applied.has(renamed)) applied.set(renamed, checksum);
  }
  return applied;
}

/**
 * Throws a config error naming the files when the rules above are broken. `files`: every file of
 * the folder in apply order; `applying`: those this run would apply (the TimescaleDB layer only
 * when it is on); `applied`: from appliedUnderCurrentNames.
 */
export function checkMigrationOrder(files: readonly string[], applying: readonly string[], applied: ReadonlyMap<string, string>): void {
  const byNumber = new Map<string, string>();
  for (const f of files) {
    const number = f.slice(0, 3);
    const other = byNumber.get(number);
    if (other !== undefined && other !== migrationOf(f)) {
      throw new TollwayError(
        "config",
        `migrations ${other} and ${migrationOf(f)} share the number ${number}: give one of them a number above every existing migration`,
      );
    }
    byNumber.set(number, migrationOf(f));
  }
  const last = files.findLast((f) => applied.has(f));
  if (last === undefined) return;
  const layerStarted = files.some((f) => isTimescaleFile(f) && applied.has(f));
  const early = applying.filter((f) => !applied.has(f) && f < last && (layerStarted || !isTimescaleFile(f)));
  if (early.length > 0) {
    const next = String(Number(files.at(-1)!.slice(0, 3)) + 1).padStart(3, "0");
    throw new TollwayError(
      "config",
      `migration order: ${early.join(", ")} ${early.length === 1 ? "was" : "were"} never applied but sort${early.length === 1 ? "s" : ""} before ${last}, which was; ` +
        `a fresh database would apply ${early.length === 1 ? "it" : "them"} earlier than this one. Renumber above every existing migration (from ${next}).`,
    );
  }
}
