import { createWriteStream } from "node:fs";
import { createGzip } from "node:zlib";
import { runMain } from "../../core/cli/main.ts";
import { TollwayError } from "../../core/errors/tollway-error.ts";
import { bottleneckConfig } from "../hotspots/bottleneck-detector.ts";
import { HotspotJob } from "../hotspots/hotspot-job.ts";
import { DatedNetworks } from "../network/dated-networks.ts";
import { parseArgs, parseTimeArg } from "./cli-args.ts";
import { TdcsExporter } from "./tdcs-exporter.ts";
import { TDCS_PRODUCTS, type TdcsProduct } from "./tdcs-format.ts";
import { describeImport, TdcsImporter } from "./tdcs-importer.ts";

const USAGE = `usage:
  bun run tdcs import FILE...                       M03A/M04A/M05A/M06A, plain or .gz (detected)
  bun run tdcs export --product M04A --from T --to T [--source computed|tdcs] [--zero-rows network|stored] [--out FILE[.gz]]
  bun run tdcs hotspots --from T --to T [--source tdcs|computed]   bottleneck detection over a period
times: ISO 8601, "2024/03/25 00:00", "2024-04-29 18:05" or a date (local time, TOLL_TIMEZONE)`;

await runMain("tdcs", async ({ config, logger, args, openDatabase }) => {
  const { positional, options } = parseArgs(args);
  const [command, ...files] = positional;
  const tz = config.tollTimezone;
  if (command !== "import" && command !== "export" && command !== "hotspots") {
    process.stderr.write(`${USAGE}\n`);
    return 2;
  }
  const db = openDatabase();
  try {
    if (command === "import") {
      if (files.length === 0) throw new TollwayError("bad_request", "import: name at least one file");
      const importer = new TdcsImporter(db, tz);
      const summary: Record<string, number> = {};
      let total = 0;
      const started = performance.now();
      for (const file of files) {
        const r = await importer.importFile(file, (f, done, all) => process.stderr.write(`\r${f}: ${done}/${all} rows (${Math.round((100 * done) / all)} %)`));
        process.stderr.write("\n");
        summary[r.product] = (summary[r.product] ?? 0) + r.rows;
        total += r.rows;
        console.log(describeImport(r));
        logger.info("imported", {
          file,
          product: r.product,
          rows: r.rows,
          versions: r.versions,
          used: r.used,
          aliased: r.aliased,
          unplaced: r.unplaced,
          stored: r.stored,
          zeroRows: r.zeroRows,
          seconds: Number(r.seconds.toFixed(2)),
        });
      }
      const secs = (performance.now() - started) / 1000;
      console.log(
        `imported ${total} rows from ${files.length} file(s) in ${secs.toFixed(1)} s: ${Object.entries(summary)
          .map(([p, n]) => `${p} ${n}`)
          .join(", ")}`,
      );
      return 0;
    }
    const from = parseTimeArg(options.get("from"), "from", tz);
    const to = parseTimeArg(options.get("to"), "to", tz);
    if (!(to > from)) throw new TollwayError("bad_request", "--to must be after --from");
    if (command === "hotspots") {
      const source = (options.get("source") ?? "tdcs") as "tdcs" | "computed";
      if (source !== "tdcs" && source !== "computed") throw new TollwayError("bad_request", "--source must be tdcs or computed");
      const job = new HotspotJob(db, await DatedNetworks.load(db), logger, { source, detector: bottleneckConfig(config.control.bottleneck) });
      const r = await job.analyse(from, to);
      const found = await db.query<{ n: number; delay: number }>(
        "select count(*)::int as n, coalesce(sum(delay_vehicle_hours), 0)::float8 as delay from hotspots where source = $1 and started_at >= $2 and started_at < $3",
        [source, new Date(from), new Date(to)],
      );
      console.log(
        `hotspots ${source}: ${found[0]!.n} in period (${r.inserted} new, ${r.updated} updated, ${r.deleted} removed), ${found[0]!.delay.toFixed(0)} vehicle-hours of delay; detection ${(r.detectSeconds * 1000).toFixed(1)} ms`,
      );
      return 0;
    }
    const product = options.get("product") as TdcsProduct | undefined;
    if (!product || !TDCS_PRODUCTS.includes(product)) throw new TollwayError("bad_request", `--product must be one of ${TDCS_PRODUCTS.join(", ")}`);
    const source = (options.get("source") ?? "computed") as "computed" | "tdcs";
    const out = options.get("out");
    const file = out ? createWriteStream(out) : undefined;
    const gzip = file && out!.endsWith(".gz") ? createGzip() : undefined;
    if (gzip && file) gzip.pipe(file);
    const sink: NodeJS.WritableStream = gzip ?? file ?? process.stdout;
    // A reader that goes away (`| head`) ends the export instead of leaving it writing into nothing.
    let closed = false;
    const onClose = () => (closed = true);
    sink.once("error", onClose);
    sink.once("close", onClose);
    let n = 0;
    const zeroRows = (options.get("zero-rows") ?? "network") as "network" | "stored";
    if (zeroRows !== "network" && zeroRows !== "stored") throw new TollwayError("bad_request", "--zero-rows must be network or stored");
    for await (const line of new TdcsExporter(db, tz).lines(product, from, to, { source, zeroRows })) {
      if (closed) break;
      if (!sink.write(`${line}\n`)) await new Promise((r) => (closed ? r(undefined) : (sink.once("drain", r), sink.once("close", r), sink.once("error", r))));
      if (++n % 50_000 === 0) process.stderr.write(`\r${n} rows`);
    }
    if (file) {
      const closed = new Promise<void>((resolve, reject) => file.once("close", resolve).once("error", reject));
      sink.end();
      await closed;
    }
    process.stderr.write(`${n > 50_000 ? "\n" : ""}exported ${n} ${product} rows${out ? ` to ${out}` : ""}\n`);
    return 0;
  } finally {
    await db.close();
  }
});
