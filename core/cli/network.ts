import { readFileSync } from "node:fs";
import { z } from "zod";
import { TollwayError } from "../errors/tollway-error.ts";
import { NetworkStore, type NetworkVersionSummary } from "../network/network-store.ts";
import { runMain } from "./main.ts";

const USAGE = `usage:
  bun run network list                 the network versions, oldest first, with their renumberings
  bun run network add FILE.json        add a version (same body as POST /v1/network/versions), e.g.
      {"code": "2027-01", "validFrom": "2027-01-01T00:00:00+08:00", "note": "...",
       "renumber": [{"from": "01F0155N", "to": "01F0156N"}], "add": [{"id": "01F0611S", "direction": "S"}], "remove": ["..."]}`;

const GantryId = z.string().regex(/^[0-9A-Z]{8}$/);
const NewVersion = z.object({
  code: z.string().regex(/^[0-9A-Za-z._-]{1,40}$/),
  validFrom: z.iso.datetime({ offset: true }),
  note: z.string().max(500).optional(),
  basedOn: z.string().min(1).max(40).optional(),
  renumber: z.array(z.object({ from: GantryId, to: GantryId })).optional(),
  add: z
    .array(
      z.object({
        id: GantryId,
        direction: z.enum(["N", "S", "E", "W"]),
        km: z.number().min(0).max(1000).optional(),
        lat: z.number().optional(),
        lon: z.number().optional(),
        roadId: z.string().optional(),
        roadName: z.string().optional(),
        sectionStart: z.string().optional(),
        sectionEnd: z.string().optional(),
      }),
    )
    .optional(),
  remove: z.array(GantryId).optional(),
});

const describe = (v: NetworkVersionSummary) =>
  `${v.code.padEnd(14)} ${v.validFrom} .. ${v.validTo ?? "open"}  ${v.gantries} gantries, ${v.mainlineSegments} segments, ${v.links} links` +
  (v.aliases.length ? `\n  renumbered/moved: ${v.aliases.map((a) => `${a.oldId}>${a.newId}`).join(" ")}` : "");

await runMain("network", async ({ args, logger, openDatabase }) => {
  const [command, file] = args;
  if (command !== "list" && command !== "add") {
    process.stderr.write(`${USAGE}\n`);
    return 2;
  }
  const db = openDatabase();
  try {
    const store = new NetworkStore(db);
    if (command === "list") {
      for (const v of await store.list()) console.log(describe(v));
      return 0;
    }
    if (!file) throw new TollwayError("bad_request", "add: name the JSON file of the new version");
    const parsed = NewVersion.safeParse(JSON.parse(readFileSync(file, "utf8")));
    if (!parsed.success) throw new TollwayError("bad_request", `${file}: ${parsed.error.issues.map((i) => `${i.path.join(".")}: ${i.message}`).join("; ")}`);
    const v = await store.add(parsed.data);
    logger.info("network version added", { code: v.code, validFrom: v.validFrom, aliases: v.aliases });
    console.log(`added ${describe(v)}`);
    return 0;
  } finally {
    await db.close();
  }
});
