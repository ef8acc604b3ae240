import { dirname, join } from "node:path";
import type { Hono } from "hono";
import type { AppEnv } from "../http/types.ts";

/**
 * Interactive docs at /docs, served entirely by the gateway from swagger-ui-dist in node_modules:
 * control-centre networks are often cut off from the internet, so no CDN, no inline script (a
 * strict CSP holds), and no call to the public spec validator (validatorUrl: null).
 */
const ASSETS: Record<string, string> = {
  "swagger-ui.css": "text/css; charset=utf-8",
  "swagger-ui-bundle.js": "text/javascript; charset=utf-8",
  "swagger-ui-standalone-preset.js": "text/javascript; charset=utf-8",
  "favicon-32x32.png": "image/png",
  "favicon-16x16.png": "image/png",
};

const PAGE = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>Tollway gateway API</title>
<link rel="stylesheet" href="/docs/assets/swagger-ui.css">
<link rel="icon" type="image/png" href="/docs/assets/favicon-32x32.png" sizes="32x32">
</head>
<body>
<div id="swagger-ui"></div>
<script src="/docs/assets/swagger-ui-bundle.js"></script>
<script src="/docs/assets/swagger-ui-standalone-preset.js"></script>
<script src="/docs/init.js"></script>
</body>
</html>
`;

const INIT = `window.ui = SwaggerUIBundle({
  url: "/openapi.json",
  dom_id: "#swagger-ui",
  deepLinking: true,
  validatorUrl: null,
  presets: [SwaggerUIBundle.presets.apis, SwaggerUIStandalonePreset],
  layout: "StandaloneLayout",
  persistAuthorization: false
});
`;

const CSP = "default-src 'self'; img-src 'self' data:; style-src 'self' 'unsafe-inline'; script-src 'self'; connect-src 'self'";

export function swaggerUiDir(): string {
  return dirname(Bun.resolveSync("swagger-ui-dist/package.json", import.meta.dir));
}

export function mountDocs(app: Hono<AppEnv>): void {
  const dir = swaggerUiDir();
  const cache = new Map<string, ArrayBuffer>();
  app.get("/docs", (c) => c.html(PAGE, 200, { "content-security-policy": CSP }));
  app.get("/docs/init.js", (c) => c.body(INIT, 200, { "content-type": "text/javascript; charset=utf-8" }));
  app.get("/docs/assets/:file", async (c) => {
    const file = c.req.param("file");
    const type = ASSETS[file];
    if (!type) return c.notFound();
    let bytes = cache.get(file);
    if (!bytes) cache.set(file, (bytes = await Bun.file(join(dir, file)).arrayBuffer()));
    return c.body(bytes, 200, { "content-type": type, "cache-control": "public, max-age=3600" });
  });
}
