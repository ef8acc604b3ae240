import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from "node:fs";
import { dirname } from "node:path";
import type { Database } from "../../core/db/database.ts";
import type { Logger } from "../../core/log/logger.ts";
import { curveKeypair } from "../zmq/index.ts";

export type KeyPair = { publicKey: string; secretKey: string };

/**
 * CURVE key pairs of the simulated gantries, kept in a file under DATA_DIR so a restarted simulator
 * presents the same keys; missing ones are made on demand.
 */
export class SimulatedGantryKeys {
  private readonly keys: Record<string, KeyPair>;

  constructor(private readonly path: string) {
    this.keys = existsSync(path) ? (JSON.parse(readFileSync(path, "utf8")) as Record<string, KeyPair>) : {};
  }

  ensure(gantryIds: readonly string[]): void {
    let changed = false;
    for (const id of gantryIds) {
      if (this.keys[id]) continue;
      this.keys[id] = curveKeypair();
      changed = true;
    }
    if (!changed) return;
    mkdirSync(dirname(this.path), { recursive: true });
    writeFileSync(`${this.path}.tmp`, JSON.stringify(this.keys, null, 1), { mode: 0o600 });
    renameSync(`${this.path}.tmp`, this.path);
  }

  keyPair(gantryId: string): KeyPair {
    this.ensure([gantryId]);
    return this.keys[gantryId]!;
  }

  /**
   * Registers the public keys of gantries that have none yet. A gantry already registered with
   * another key (a real device) is left alone: its simulated twin will not get through.
   */
  async register(db: Database, gantryIds: readonly string[], logger: Logger): Promise<void> {
    this.ensure(gantryIds);
    await db.query(`insert into gantry_keys (gantry_id, curve_public_key) select * from unnest($1::text[], $2::text[]) on conflict do nothing`, [
      gantryIds,
      gantryIds.map((g) => this.keys[g]!.publicKey),
    ]);
    const rows = await db.query<{ gantry_id: string; curve_public_key: string; revoked_at: Date | null }>(
      `select gantry_id, curve_public_key, revoked_at from gantry_keys where gantry_id = any($1::text[])`,
      [gantryIds],
    );
    const foreign = rows.filter((r) => r.curve_public_key !== this.keys[r.gantry_id]?.publicKey || r.revoked_at !== null).map((r) => r.gantry_id);
    if (foreign.length > 0)
      logger.warn("some gantries are registered with another (or a revoked) CURVE key; the simulator cannot send for them", {
        gantries: foreign.slice(0, 20),
        count: foreign.length,
      });
  }
}
