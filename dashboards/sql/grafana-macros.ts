import { TollwayError } from "../../core/errors/tollway-error.ts";

/**
 * Expands a panel's rawSql the way Grafana does before the PostgreSQL datasource sends it, so tests
 * can run every dashboard query against a real database. Three steps, in Grafana's order:
 *  1. template variables in the browser (templateSrv.replace with SqlDatasource.interpolateVariable);
 *  2. global SQL substitutions in the backend (sqleng.Interpolate: $__interval_ms, $__interval,
 *     $__unixEpochFrom(), $__unixEpochTo());
 *  3. the PostgreSQL macro engine (grafana-postgresql-datasource/macros.go), which depends on the
 *     datasource's jsonData.timescaledb flag.
 * Formatting follows Go: RFC3339Nano timestamps, %v and %.3f floats, gtime interval rules.
 */

export interface TemplateVariable {
  /** A string for a single selection; an array for a multi-value or "All" selection. */
  value: string | string[];
  multi?: boolean;
  includeAll?: boolean;
}

export interface ExpandOptions {
  from: Date;
  to: Date;
  /** The panel interval Grafana computed from the range and max data points. */
  intervalMs: number;
  timescaledb: boolean;
  variables?: Record<string, TemplateVariable>;
  /** Reference "now" for calendar intervals (d/w/M/y), as gtime uses wall time. */
  now?: Date;
}

export function expandGrafanaSql(rawSql: string, opts: ExpandOptions): string {
  const afterVariables = replaceTemplateVariables(rawSql, opts.variables ?? {});
  const afterGlobals = interpolateGlobals(afterVariables, opts);
  return interpolateMacros(afterGlobals, opts);
}

// public/app/features/variables/utils.ts: $var, [[var]] or [[var:fmt]], ${var}, ${var.field} or ${var:fmt}
const variableRegex = /\$(\w+)|\[\[([\s\S]+?)(?::(\w+))?\]\]|\${(\w+)(?:\.([^:^}]+))?(?::([^}]+))?}/g;

/** templateSrv.replace with SqlDatasource.interpolateVariable as the formatter. Unknown names stay as written. */
export function replaceTemplateVariables(sql: string, variables: Record<string, TemplateVariable>): string {
  return sql.replace(variableRegex, (match, plain?: string, bracket?: string, bracketFmt?: string, braced?: string, fieldPath?: string, bracedFmt?: string) => {
    const name = plain ?? bracket ?? braced ?? "";
    const variable = Object.hasOwn(variables, name) ? variables[name] : undefined;
    if (!variable) return match;
    const format = bracketFmt ?? bracedFmt;
    if (format !== undefined || fieldPath !== undefined) {
      throw new TollwayError("internal", `variable format ${match} is not supported by this expander; use $${name}`);
    }
    return interpolateVariable(variable);
  });
}

function quoteLiteral(value: string): string {
  return "'" + value.replace(/'/g, "''") + "'";
}

/** SqlDatasource.interpolateVariable: single values only escape quotes; multi values are quoted and joined. */
function interpolateVariable(v: TemplateVariable): string {
  if (typeof v.value === "string") {
    return v.multi || v.includeAll ? quoteLiteral(v.value) : v.value.replace(/'/g, "''");
  }
  return v.value.map(quoteLiteral).join(",");
}

/** sqleng.Interpolate. The order matters: $__interval_ms before $__interval. */
function interpolateGlobals(sql: string, opts: ExpandOptions): string {
  return sql
    .replaceAll("$__interval_ms", String(Math.trunc(opts.intervalMs)))
    .replaceAll("$__interval", formatInterval(opts.intervalMs))
    .replaceAll("$__unixEpochFrom()", String(unixSeconds(opts.from)))
    .replaceAll("$__unixEpochTo()", String(unixSeconds(opts.to)));
}

const macroRegex = /\$([_a-zA-Z0-9]+)\(([^)]*)\)/g;

/** postgresMacroEngine.Interpolate. */
export function interpolateMacros(sql: string, opts: ExpandOptions): string {
  return sql.replace(macroRegex, (whole: string, name: string, argText: string) => {
    let macro = name;
    // Pre-5.3 compatibility: "$__timeGroup(...)," is treated as $__timeGroupAlias (Grafana checks the first occurrence).
    if (macro === "__timeGroup") {
      const index = sql.indexOf(whole);
      if (index >= 0 && sql[index + whole.length] === ",") macro = "__timeGroupAlias";
    }
    const args = argText.split(",").map((a) => a.replace(/^ +| +$/g, ""));
    return evaluateMacro(macro, args, opts);
  });
}

function evaluateMacro(name: string, args: string[], opts: ExpandOptions): string {
  // strings.Split never returns an empty slice, so "no argument" is one empty string; Grafana only
  // checks len(args) == 0, which cannot happen: an empty column name passes through unchanged.
  const column = args[0]!;
  const from = rfc3339Nano(opts.from);
  const to = rfc3339Nano(opts.to);
  switch (name) {
    case "__time":
      return `${column} AS "time"`;
    case "__timeEpoch":
      return `extract(epoch from ${column}) as "time"`;
    case "__timeFilter":
      return `${column} BETWEEN '${from}' AND '${to}'`;
    case "__timeFrom":
      return `'${from}'`;
    case "__timeTo":
      return `'${to}'`;
    case "__timeGroup": {
      const seconds = groupSeconds(name, args, opts);
      if (opts.timescaledb) return `time_bucket('${seconds.toFixed(3)}s',${column})`;
      return `floor(extract(epoch from ${column})/${goFloat(seconds)})*${goFloat(seconds)}`;
    }
    case "__timeGroupAlias":
      return evaluateMacro("__timeGroup", args, opts) + ` AS "time"`;
    case "__unixEpochFilter":
      return `${column} >= ${unixSeconds(opts.from)} AND ${column} <= ${unixSeconds(opts.to)}`;
    case "__unixEpochNanoFilter":
      return `${column} >= ${unixNanos(opts.from)} AND ${column} <= ${unixNanos(opts.to)}`;
    case "__unixEpochNanoFrom":
      return unixNanos(opts.from);
    case "__unixEpochNanoTo":
      return unixNanos(opts.to);
    case "__unixEpochGroup": {
      const seconds = groupSeconds(name, args, opts);
      return `floor((${column})/${goFloat(seconds)})*${goFloat(seconds)}`;
    }
    case "__unixEpochGroupAlias":
      return evaluateMacro("__unixEpochGroup", args, opts) + ` AS "time"`;
    default:
      throw new TollwayError("internal", `unknown macro "${name}"`);
  }
}

function groupSeconds(name: string, args: string[], opts: ExpandOptions): number {
  if (args.length < 2) throw new TollwayError("internal", `macro ${name} needs time column and interval and optional fill value`);
  const ms = parseInterval(args[1]!.replace(/^'+|'+$/g, ""), opts.now ?? new Date());
  if (args.length === 3) setupFillMode(args[2]!);
  return ms / 1000;
}

/** sqleng.SetupFillmode only validates here: the fill happens after the query runs. */
function setupFillMode(mode: string): void {
  if (mode === "NULL" || mode === "previous") return;
  if (!Number.isFinite(Number.parseFloat(mode)) || !/^[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?$/.test(mode)) {
    throw new TollwayError("internal", `error parsing fill value ${mode}`);
  }
}

/** gtime.ParseInterval: N followed by d, w, M or y is calendar-relative to now (UTC); else Go's time.ParseDuration. */
export function parseInterval(text: string, now: Date): number {
  const calendar = /^(\d+)([dwMy])$/.exec(text);
  if (!calendar) return parseGoDuration(text);
  const n = Number(calendar[1]);
  const later = new Date(now.getTime());
  switch (calendar[2]) {
    case "d":
      later.setUTCDate(later.getUTCDate() + n);
      break;
    case "w":
      later.setUTCDate(later.getUTCDate() + 7 * n);
      break;
    case "M":
      later.setUTCMonth(later.getUTCMonth() + n);
      break;
    default:
      later.setUTCFullYear(later.getUTCFullYear() + n);
  }
  return later.getTime() - now.getTime();
}

const durationUnitsMs: Record<string, number> = { ns: 1e-6, us: 1e-3, µs: 1e-3, μs: 1e-3, ms: 1, s: 1000, m: 60_000, h: 3_600_000 };

/** Go's time.ParseDuration, in milliseconds: "300ms", "1.5h", "2h45m"; a bare "0" is allowed. */
export function parseGoDuration(text: string): number {
  const m = /^([-+]?)(.*)$/.exec(text)!;
  const body = m[2]!;
  if (body === "0") return 0;
  if (body === "") throw new TollwayError("internal", `error parsing interval ${text}`);
  const part = /(\d+\.?\d*|\.\d+)(ns|us|µs|μs|ms|s|m|h)/y;
  let total = 0;
  let at = 0;
  while (at < body.length) {
    part.lastIndex = at;
    const p = part.exec(body);
    if (!p) throw new TollwayError("internal", `error parsing interval ${text}`);
    total += Number(p[1]) * durationUnitsMs[p[2]!]!;
    at = part.lastIndex;
  }
  return m[1] === "-" ? -total : total;
}

/** gtime.FormatInterval: the largest whole unit, truncated. */
export function formatInterval(ms: number): string {
  const second = 1000;
  const minute = 60 * second;
  const hour = 60 * minute;
  const day = 24 * hour;
  const year = 365 * day;
  if (ms >= year) return `${Math.trunc(ms / year)}y`;
  if (ms >= day) return `${Math.trunc(ms / day)}d`;
  if (ms >= hour) return `${Math.trunc(ms / hour)}h`;
  if (ms >= minute) return `${Math.trunc(ms / minute)}m`;
  if (ms >= second) return `${Math.trunc(ms / second)}s`;
  if (ms >= 1) return `${Math.trunc(ms)}ms`;
  return "1ms";
}

/** Go's time.Format(time.RFC3339Nano) of a UTC time: the fraction loses trailing zeros, or vanishes. */
export function rfc3339Nano(d: Date): string {
  const iso = d.toISOString(); // always .sssZ
  const [base, fraction] = iso.slice(0, -1).split(".");
  const trimmed = (fraction ?? "").replace(/0+$/, "");
  return `${base}${trimmed ? "." + trimmed : ""}Z`;
}

function unixSeconds(d: Date): number {
  return Math.floor(d.getTime() / 1000);
}

function unixNanos(d: Date): string {
  return (BigInt(d.getTime()) * 1_000_000n).toString();
}

/** Go's %v for a float64 (strconv 'g', shortest): exponent form when the decimal exponent is < -4 or >= 6. */
export function goFloat(x: number): string {
  if (x === 0) return "0";
  if (!Number.isFinite(x)) return x > 0 ? "+Inf" : x < 0 ? "-Inf" : "NaN";
  const [mantissa, expText] = x.toExponential().split("e");
  const exp = Number(expText);
  if (exp < -4 || exp >= 6) {
    const sign = exp < 0 ? "-" : "+";
    const abs = Math.abs(exp);
    return `${mantissa}e${sign}${abs < 10 ? "0" + abs : abs}`;
  }
  return String(x);
}
