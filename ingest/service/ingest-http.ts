import type { Database } from "../../core/db/database.ts";
import type { Registry } from "../metrics/prometheus.ts";

/** What the probes report, read at each request. */
export interface IngestStatus {
  socket: "starting" | "bound" | "stopping";
  inFlight: number;
  /** Date.now() of the last commit (0: none yet). */
  lastCommitAt: number;
  dedupPassages: number;
  vehicleDirectory: number;
}

export interface IngestHttpDeps {
  db: Database;
  registry: Registry;
  status: () => IngestStatus;
}

/**
 * /metrics (Prometheus), /healthz (the process answers; /health adds memory figures) and /readyz:
 * 200 only while the ROUTER is bound and the database answers, so a probe sees an ingest that is
 * starting, stopping or cut off from its database (and a dead one does not answer at all).
 */
export class IngestHttpServer {
  private server: ReturnType<typeof Bun.serve> | undefined;

  constructor(private readonly deps: IngestHttpDeps) {}

  listen(port: number, hostname: string): void {
    this.server = Bun.serve({
      port,
      hostname,
      fetch: async (req) => {
        const path = new URL(req.url).pathname;
        if (path === "/metrics") return new Response(this.deps.registry.render(), { headers: { "content-type": "text/plain; version=0.0.4" } });
        if (path === "/healthz") return Response.json({ status: "ok" });
        if (path === "/readyz") return this.readiness();
        if (path === "/health") {
          const mem = process.memoryUsage();
          const s = this.deps.status();
          return Response.json({
            ok: true,
            inFlight: s.inFlight,
            rssMb: Math.round(mem.rss / 1e6),
            heapUsedMb: Math.round(mem.heapUsed / 1e6),
            dedupPassages: s.dedupPassages,
            vehicleDirectory: s.vehicleDirectory,
          });
        }
        return new Response("not found", { status: 404 });
      },
    });
  }

  /** The URL of a path on this server (undefined while not listening). */
  url(path: string): string | undefined {
    return this.server ? `http://${this.server.hostname}:${this.server.port}${path}` : undefined;
  }

  stop(): void {
    this.server?.stop(true);
    this.server = undefined;
  }

  private async readiness(): Promise<Response> {
    const { socket, lastCommitAt } = this.deps.status();
    let database: "ok" | "unreachable" = "ok";
    let detail: string | undefined;
    // A commit in the last seconds proves the database works; asking again under load would wait
    // for a connection the groups are using.
    if (Date.now() - lastCommitAt > 2000) {
      try {
        // Bounded: a hung database must not hang the probe.
        await Promise.race([this.deps.db.one("select 1 as ok"), Bun.sleep(2000).then(() => Promise.reject(new Error("timed out after 2 s")))]);
      } catch (e) {
        database = "unreachable";
        detail = (e instanceof Error ? e.message : String(e)).slice(0, 200);
      }
    }
    const ready = socket === "bound" && database === "ok";
    return Response.json(
      { status: ready ? "ready" : "unavailable", socket, database, inFlight: this.deps.status().inFlight, ...(detail ? { detail } : {}) },
      { status: ready ? 200 : 503 },
    );
  }
}
