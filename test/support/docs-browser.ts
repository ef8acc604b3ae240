import { chromium } from "playwright-core";

/**
 * Opens the gateway's /docs in headless Debian Chromium with the network closed to everything but
 * loopback and prints what it saw as one JSON line. Run as its own process by the docs test: the
 * browser's pipes are file descriptors, and closing them inside the test process once made libzmq's
 * epoll in a later test file abort on a reused descriptor.
 *
 * usage: bun test/support/docs-browser.ts GATEWAY_URL PROFILE_DIR EXPECTED_OPERATIONS
 */
const [url, profile, expected] = process.argv.slice(2);
if (!url || !profile || !expected) {
  console.error("usage: docs-browser.ts GATEWAY_URL PROFILE_DIR EXPECTED_OPERATIONS");
  process.exit(2);
}

const context = await chromium.launchPersistentContext(profile, {
  executablePath: "/usr/bin/chromium",
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
  await page.goto(`${url}/docs`, { waitUntil: "load", timeout: 30_000 });
  await page.waitForSelector(".opblock", { timeout: 30_000 });
  // The predicate runs in the page; `globalThis.document` keeps this file free of DOM typings.
  await page.waitForFunction(
    (n) => (globalThis as unknown as { document: { querySelectorAll(s: string): { length: number } } }).document.querySelectorAll(".opblock").length >= n,
    Number(expected),
    { timeout: 30_000 },
  );
  const rendered = await page.$$eval(".opblock", (els) =>
    els.map((el) => ({
      method: el.querySelector(".opblock-summary-method")?.textContent?.trim() ?? "",
      path: (el.querySelector(".opblock-summary-path")?.getAttribute("data-path") ?? el.querySelector(".opblock-summary-path")?.textContent ?? "")
        .replace(/\u200b/g, "")
        .trim(),
    })),
  );
  const title = await page.title();
  const infoTitle = await page.textContent(".info .title");
  console.log(JSON.stringify({ rendered, title, infoTitle, requested, failed }));
} finally {
  await context.close();
}
