import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { RunningServer } from "../gateway/server.ts";
import { createTestGateway, type TestGateway } from "./support/gateway.ts";

/**
 * Headless Debian Chromium opens /docs on a running gateway with the network closed to everything
 * but loopback, and finds every operation rendered. Missing Chromium is a failure, not a skip:
 * the test scripts install it (apt-get install -y chromium).
 */
const CHROMIUM = "/usr/bin/chromium";
let gw: TestGateway;
let server: RunningServer;
let profile: string;

beforeAll(async () => {
  gw = await createTestGateway({ database: { seed: false } });
  server = gw.listen();
  profile = mkdtempSync(join(tmpdir(), "tollway-chromium-"));
});
afterAll(async () => {
  await gw?.close();
  if (profile) rmSync(profile, { recursive: true, force: true });
});

const isLoopback = (url: string) => {
  if (url.startsWith("data:") || url.startsWith("blob:") || url === "about:blank") return true;
  const host = new URL(url).hostname;
  return host === "127.0.0.1" || host === "localhost" || host === "[::1]";
};

describe("/docs in a browser", () => {
  test("renders every operation using only assets served by the gateway", async () => {
    if (!existsSync(CHROMIUM)) throw new Error(`Debian chromium is not installed at ${CHROMIUM}: run \`apt-get install -y chromium\` (scripts/test.sh does)`);
    const doc = (await (await gw.request("/openapi.json")).json()) as { paths: Record<string, Record<string, { summary?: string }>> };
    const operations = Object.entries(doc.paths).flatMap(([path, ops]) => Object.keys(ops).map((m) => ({ method: m.toUpperCase(), path })));

    // The browser runs in a child process (see test/support/docs-browser.ts for why).
    const child = Bun.spawn(["bun", join(import.meta.dir, "support", "docs-browser.ts"), server.url, profile, String(operations.length)], {
      stdout: "pipe",
      stderr: "pipe",
    });
    const [out, err, code] = await Promise.all([new Response(child.stdout).text(), new Response(child.stderr).text(), child.exited]);
    if (code !== 0) throw new Error(`the browser run failed (exit ${code}):\n${err}`);
    const seen = JSON.parse(out.trim().split("\n").at(-1)!) as {
      rendered: { method: string; path: string }[];
      title: string;
      infoTitle: string | null;
      requested: string[];
      failed: string[];
    };

    const key = (o: { method: string; path: string }) => `${o.method} ${o.path}`;
    expect(seen.rendered.map(key).sort()).toEqual(operations.map(key).sort());
    expect(seen.title).toBe("Tollway gateway API");
    expect(seen.infoTitle).toContain("Tollway gateway API");

    expect(seen.requested.length).toBeGreaterThan(3);
    expect(seen.requested.filter((u) => !isLoopback(u))).toEqual([]);
    expect(seen.failed).toEqual([]);
  }, 90_000);
});
