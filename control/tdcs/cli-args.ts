import { TollwayError } from "../../core/errors/tollway-error.ts";
import { parseTdcsTime } from "../interval/interval.ts";

/** `--name value` options and positional arguments. */
export function parseArgs(args: readonly string[]): { positional: string[]; options: Map<string, string> } {
  const positional: string[] = [];
  const options = new Map<string, string>();
  for (let i = 0; i < args.length; i++) {
    const a = args[i]!;
    if (a.startsWith("--")) {
      const eq = a.indexOf("=");
      if (eq > 0) options.set(a.slice(2, eq), a.slice(eq + 1));
      else {
        const v = args[i + 1];
        if (v === undefined || v.startsWith("--")) options.set(a.slice(2), "true");
        else {
          options.set(a.slice(2), v);
          i++;
        }
      }
    } else positional.push(a);
  }
  return { positional, options };
}

/**
 * A time on the command line: ISO 8601 with zone, a local TDCS time ("2024/03/25 00:00",
 * "2024-04-29 18:05") or a local date ("2024-03-25" = local midnight).
 */
export function parseTimeArg(text: string | undefined, name: string, timeZone: string): number {
  if (!text) throw new TollwayError("bad_request", `--${name} is required`);
  const date = /^(\d{4})[-/](\d{2})[-/](\d{2})$/.exec(text);
  const ms = date
    ? parseTdcsTime(`${date[1]}-${date[2]}-${date[3]} 00:00`, timeZone)
    : /[zZ]|[+-]\d{2}:?\d{2}$/.test(text)
      ? Date.parse(text)
      : parseTdcsTime(text, timeZone);
  if (Number.isNaN(ms)) throw new TollwayError("bad_request", `--${name}: not a time: ${JSON.stringify(text)}`);
  return ms;
}
