import type { App } from "./http/types.ts";

export interface RunningServer {
  url: string;
  port: number;
  /** Stops accepting; with force=false waits for in-flight requests. */
  stop(force?: boolean): Promise<void>;
}

/** Serves the app with Bun.serve, passing the client address to the rate limiter. */
export function startServer(app: App, opts: { host: string; port: number }): RunningServer {
  const server = Bun.serve({
    hostname: opts.host,
    port: opts.port,
    fetch: (req, srv) => app.fetch(req, { clientIp: srv.requestIP(req)?.address }),
  });
  const port = server.port ?? opts.port;
  return {
    url: `http://${opts.host.includes(":") ? `[${opts.host}]` : opts.host}:${port}`,
    port,
    stop: async (force = false) => {
      await server.stop(force);
    },
  };
}
