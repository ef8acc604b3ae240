import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { chromium } from "playwright-core";
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
    const context = await chromium.launchPersistentContext(profile, {
      executablePath: CHROMIUM,
      headless: true,
      args: [
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-quic",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        // Closed network: no name resolves but loopback, and any proxied request goes nowhere.
        "--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1",
        "--proxy-server=http://127.0.0.1:9",
        "--proxy-bypass-list=127.0.0.1;localhost",
      ],
    });
    try {
      const requested: string[] = [];
      const failed: string[] = [];
      const page = context.pages()[0] ?? (await context.newPage());
      page.on("request", (r) => requested.push(r.url()));
      page.on("requestfailed", (r) => failed.push(`${r.url()} ${r.failure()?.errorText ?? ""}`));
      const doc = (await (await gw.request("/openapi.json")).json()) as { paths: Record<string, Record<string, { summary?: string }>> };
      const operations = Object.entries(doc.paths).flatMap(([path, ops]) => Object.keys(ops).map((m) => ({ method: m.toUpperCase(), path })));

      await page.goto(`${server.url}/docs`, { waitUntil: "load", timeout: 30_000 });
      await page.waitForSelector(".opblock", { timeout: 30_000 });
      // The predicate runs in the page; `globalThis.document` keeps this file free of DOM typings.
      await page.waitForFunction(
        (n) => (globalThis as unknown as { document: { querySelectorAll(s: string): { length: number } } }).document.querySelectorAll(".opblock").length >= n,
        operations.length,
        { timeout: 30_000 },
      );
      const rendered = await page.$$eval(".opblock", (els) =>
        els.map((el) => ({
          method: el.querySelector(".opblock-summary-method")?.textContent?.trim() ?? "",
          path: (el.querySelector(".opblock-summary-path")?.getAttribute("data-path") ?? el.querySelector(".opblock-summary-path")?.textContent ?? "").replace(/\u200b/g, "").trim(),
        })),
      );
      const key = (o: { method: string; path: string }) => `${o.method} ${o.path}`;
      expect(rendered.map(key).sort()).toEqual(operations.map(key).sort());
      expect(await page.title()).toBe("Tollway gateway API");
      expect(await page.textContent(".info .title")).toContain("Tollway gateway API");

      expect(requested.length).toBeGreaterThan(3);
      expect(requested.filter((u) => !isLoopback(u))).toEqual([]);
      expect(failed).toEqual([]);
    } finally {
      await context.close();
    }
  }, 90_000);
});
