import { z } from "@hono/zod-openapi";
import { TdcsExporter } from "../../../control/tdcs/tdcs-exporter.ts";
import { TollwayError } from "../../../core/errors/tollway-error.ts";
import { defineRoute } from "../../http/define-route.ts";
import { TRAFFIC_OPERATORS } from "../../http/roles.ts";
import { PeriodQuery } from "./schemas.ts";

const MAX_DAYS = 7;

export default defineRoute(
  {
    method: "get",
    path: "/v1/traffic/tdcs/{product}",
    tags: ["traffic"],
    summary: "Open-data export in the Freeway Bureau's TDCS layouts (CSV, no header)",
    description:
      "M03A counts (time as 2024-04-29 18:05), M04A travel times and M05A speeds (2024/03/25 00:00), M06A trips (times with seconds; by trip start). Local time (Asia/Taipei). At most 7 days per request; streamed.\n\n" +
      "Rules across fields: `to` after `from`, at most 7 days later (400 naming `query.to`).",
    roles: TRAFFIC_OPERATORS,
    request: {
      params: z.object({ product: z.enum(["M03A", "M04A", "M05A", "M06A"]).openapi({ param: { name: "product", in: "path" }, example: "M04A" }) }),
      query: PeriodQuery.extend({
        source: z.enum(["computed", "tdcs"]).default("computed"),
        zeroRows: z.enum(["network", "stored"]).default("network").openapi({
          description:
            "M03A/M04A/M05A: `network` writes, like the Bureau, a row for every gantry or published pair of the network version of each interval and every class (0 where nothing was counted); `stored` only the stored rows",
        }),
      }),
    },
    responses: { 200: { description: "CSV lines", content: { "text/csv": { schema: z.string() } } } },
  },
  async (c) => {
    const { product } = c.req.valid("param");
    const q = c.req.valid("query");
    const from = Date.parse(q.from);
    const to = Date.parse(q.to);
    if (!(to > from) || to - from > MAX_DAYS * 86_400_000) {
      throw new TollwayError("bad_request", `\`to\` must be after \`from\`, at most ${MAX_DAYS} days`, {
        fields: [{ field: "query.to", message: `after from, at most ${MAX_DAYS} days` }],
      });
    }
    const lines = new TdcsExporter(c.var.deps.db, c.var.deps.config.tollTimezone).lines(product, from, to, { source: q.source, zeroRows: q.zeroRows });
    const encoder = new TextEncoder();
    const body = new ReadableStream<Uint8Array>({
      async pull(controller) {
        // a few hundred lines per chunk keeps the stream cheap
        let chunk = "";
        for (let i = 0; i < 500; i++) {
          const next = await lines.next();
          if (next.done) {
            if (chunk) controller.enqueue(encoder.encode(chunk));
            controller.close();
            return;
          }
          chunk += `${next.value}\n`;
        }
        controller.enqueue(encoder.encode(chunk));
      },
      async cancel() {
        await lines.return(undefined);
      },
    });
    const name = `${product}_${new Date(from).toISOString().slice(0, 10).replaceAll("-", "")}.csv`;
    return new Response(body, {
      status: 200,
      headers: { "content-type": "text/csv; charset=utf-8", "content-disposition": `attachment; filename="${name}"` },
    }) as never;
  },
);
