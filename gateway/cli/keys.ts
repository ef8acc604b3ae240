import { parseArgs } from "node:util";
import { runMain } from "../../core/cli/main.ts";
import { TollwayError } from "../../core/errors/tollway-error.ts";
import { recordAudit, systemActor } from "../audit/audit-log.ts";
import { ApiKeyService } from "../auth/api-keys.ts";
import { ROLES, type Role } from "../http/roles.ts";

/**
 * `bun run keys create --role admin [--name NAME]`  prints the new key alone on the last stdout line
 * `bun run keys list [--json]`                       one line per key (never the key itself)
 * `bun run keys revoke ID`
 * Works on the database named by DATABASE_URL; every change is audited with actor "cli".
 */
const USAGE = `usage: bun run keys create --role (${ROLES.join("|")}) [--name NAME]
       bun run keys list [--json]
       bun run keys revoke ID`;

await runMain("keys", async ({ args, openDatabase }) => {
  const { positionals, values } = parseArgs({
    args,
    allowPositionals: true,
    options: { role: { type: "string" }, name: { type: "string" }, json: { type: "boolean" }, help: { type: "boolean", short: "h" } },
  });
  const [command, ...rest] = positionals;
  if (values.help || !command) {
    process.stdout.write(USAGE + "\n");
    return values.help ? 0 : 2;
  }
  const db = openDatabase("tollway-keys");
  const keys = new ApiKeyService(db);
  const actor = systemActor("cli");
  try {
    if (command === "create") {
      const role = values.role as Role | undefined;
      if (!role || !ROLES.includes(role)) throw new TollwayError("bad_request", `--role must be one of ${ROLES.join(", ")}\n${USAGE}`);
      const name = values.name?.trim() || `${role} key`;
      const made = await db.tx(async (tx) => {
        const m = await keys.create({ name, role }, tx);
        await recordAudit(tx, actor, { action: "api_key.create", entity: "api_key", entityId: m.record.id, after: m.record });
        return m;
      });
      process.stdout.write(
        `created API key ${made.record.id} (${made.record.role}, "${made.record.name}", prefix ${made.record.prefix}); it is shown only now:\n`,
      );
      process.stdout.write(`${made.key}\n`);
      return 0;
    }
    if (command === "list") {
      const list = await keys.list(db);
      if (values.json) process.stdout.write(JSON.stringify(list) + "\n");
      else for (const k of list) process.stdout.write(`${k.id}\t${k.prefix}\t${k.role}\t${k.revokedAt ? `revoked ${k.revokedAt}` : "active"}\t${k.name}\n`);
      return 0;
    }
    if (command === "revoke") {
      const id = Number(rest[0]);
      if (!Number.isSafeInteger(id) || id <= 0) throw new TollwayError("bad_request", `revoke needs a key id\n${USAGE}`);
      const r = await db.tx(async (tx) => {
        const out = await keys.revoke(id, tx);
        if (!out.before.revokedAt)
          await recordAudit(tx, actor, { action: "api_key.revoke", entity: "api_key", entityId: id, before: out.before, after: out.after });
        return out;
      });
      process.stdout.write(`revoked API key ${id} at ${r.after.revokedAt}\n`);
      return 0;
    }
    throw new TollwayError("bad_request", `unknown command ${command}\n${USAGE}`);
  } finally {
    await db.close();
  }
});
