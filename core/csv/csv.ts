import { readFileSync } from "node:fs";
import { gunzipSync } from "node:zlib";

/**
 * Reads the simple CSV of the Freeway Bureau's files (no quoting, comma-separated), plain or .gz.
 * Returns rows of fields; `header: true` drops the first line and returns objects.
 */
export function readCsvText(path: string): string {
  const buf = readFileSync(path);
  // gzip magic bytes, whatever the file is called
  const text = buf[0] === 0x1f && buf[1] === 0x8b ? gunzipSync(buf).toString("utf8") : buf.toString("utf8");
  return text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
}

export function parseCsvRows(text: string): string[][] {
  const rows: string[][] = [];
  for (const line of text.split(/\r?\n/)) {
    if (line.trim() === "") continue;
    rows.push(line.split(",").map((f) => f.trim()));
  }
  return rows;
}

export function parseCsvObjects(text: string): Record<string, string>[] {
  const [header, ...rows] = parseCsvRows(text);
  if (!header) return [];
  return rows.map((r) => Object.fromEntries(header.map((h, i) => [h, r[i] ?? ""])));
}
