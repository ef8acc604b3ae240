import type { SchemaObject } from "./openapi-operations.ts";

/**
 * Input generation for the OpenAPI property test (test/gateway.fuzz.test.ts), the equivalent of
 * schemathesis here (no Python registry): values that satisfy a parameter's or body's JSON Schema,
 * and hostile ones (wrong types, out of range, NUL, unpaired surrogates, huge or exotic text,
 * missing or extra fields). Everything comes from a seeded PRNG, so a seed replays a run.
 */

/** mulberry32: small, fast, good enough for test inputs. */
export class Rng {
  private s: number;
  constructor(seed: number) {
    this.s = seed >>> 0;
  }
  next(): number {
    this.s = (this.s + 0x6d2b79f5) >>> 0;
    let t = this.s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }
  /** Integer in [lo, hi]. */
  int(lo: number, hi: number): number {
    return lo + Math.floor(this.next() * (hi - lo + 1));
  }
  chance(p: number): boolean {
    return this.next() < p;
  }
  pick<T>(items: readonly T[]): T {
    return items[Math.floor(this.next() * items.length)]!;
  }
  shuffle<T>(items: readonly T[]): T[] {
    const out = [...items];
    for (let i = out.length - 1; i > 0; i--) {
      const j = Math.floor(this.next() * (i + 1));
      [out[i], out[j]] = [out[j]!, out[i]!];
    }
    return out;
  }
}

// ---------------------------------------------------------------------------------------------
// Strings matching a regular expression (the subset JSON Schema patterns here use: classes,
// ranges, groups, alternation, ?, *, +, {m,n}, anchors, \d \w \s and escapes).

type Node =
  | { kind: "seq"; items: Node[] }
  | { kind: "alt"; options: Node[] }
  | { kind: "set"; chars: string[] }
  | { kind: "repeat"; node: Node; min: number; max: number }
  | { kind: "empty" };

const DIGITS = [..."0123456789"];
const WORD = [..."abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_"];
const SPACE = [" "];

function parsePattern(src: string): Node {
  let i = 0;
  const peek = () => src[i];
  const escapeSet = (c: string): string[] => (c === "d" ? DIGITS : c === "w" ? WORD : c === "s" ? SPACE : [c]);

  function alternation(): Node {
    const options = [sequence()];
    while (peek() === "|") {
      i++;
      options.push(sequence());
    }
    return options.length === 1 ? options[0]! : { kind: "alt", options };
  }
  function sequence(): Node {
    const items: Node[] = [];
    while (i < src.length && peek() !== "|" && peek() !== ")") {
      let atom = atomNode();
      atom = quantified(atom);
      items.push(atom);
    }
    return { kind: "seq", items };
  }
  function atomNode(): Node {
    const c = src[i++]!;
    if (c === "^" || c === "$") return { kind: "empty" };
    if (c === "(") {
      if (src.startsWith("?:", i)) i += 2;
      const inner = alternation();
      i++; // )
      return inner;
    }
    if (c === "[") return charClass();
    if (c === "\\") return { kind: "set", chars: escapeSet(src[i++]!) };
    if (c === ".") return { kind: "set", chars: WORD };
    return { kind: "set", chars: [c] };
  }
  function charClass(): Node {
    const chars: string[] = [];
    if (peek() === "^") throw new Error("negated classes are not supported");
    while (peek() !== "]") {
      let c = src[i++]!;
      if (c === "\\") {
        chars.push(...escapeSet(src[i++]!));
        continue;
      }
      if (peek() === "-" && src[i + 1] !== "]") {
        i++;
        let end = src[i++]!;
        if (end === "\\") end = src[i++]!;
        for (let code = c.charCodeAt(0); code <= end.charCodeAt(0); code++) chars.push(String.fromCharCode(code));
        continue;
      }
      chars.push(c);
      c = "";
    }
    i++; // ]
    return { kind: "set", chars };
  }
  function quantified(node: Node): Node {
    const c = peek();
    if (c === "?") return (i++, { kind: "repeat", node, min: 0, max: 1 });
    if (c === "*") return (i++, { kind: "repeat", node, min: 0, max: 8 });
    if (c === "+") return (i++, { kind: "repeat", node, min: 1, max: 8 });
    if (c === "{") {
      const m = /^\{(\d+)(,(\d*))?\}/.exec(src.slice(i));
      if (m) {
        i += m[0].length;
        const min = Number(m[1]);
        const max = m[2] === undefined ? min : m[3] === "" ? min + 8 : Number(m[3]);
        return { kind: "repeat", node, min, max };
      }
    }
    return node;
  }
  return alternation();
}

function render(node: Node, rng: Rng, extreme: "min" | "max" | "random"): string {
  switch (node.kind) {
    case "empty":
      return "";
    case "set":
      return rng.pick(node.chars);
    case "seq":
      return node.items.map((n) => render(n, rng, extreme)).join("");
    case "alt":
      return render(rng.pick(node.options), rng, extreme);
    case "repeat": {
      const n = extreme === "min" ? node.min : extreme === "max" ? node.max : rng.int(node.min, Math.min(node.max, node.min + 12));
      let s = "";
      for (let k = 0; k < n; k++) s += render(node.node, rng, extreme);
      return s;
    }
  }
}

/** A string the pattern matches, or undefined when the pattern is outside the supported subset. */
export function stringMatching(pattern: string, rng: Rng, extreme: "min" | "max" | "random" = "random"): string | undefined {
  let tree: Node;
  try {
    tree = parsePattern(pattern);
  } catch {
    return undefined;
  }
  const re = new RegExp(pattern, "u");
  for (let attempt = 0; attempt < 5; attempt++) {
    const s = render(tree, rng, extreme);
    if (re.test(s)) return s;
  }
  return undefined;
}

// ---------------------------------------------------------------------------------------------
// Values from schemas.

export type Resolve = (s: SchemaObject | undefined) => SchemaObject | undefined;

/** Values seen in successful responses, by field name: ids, tag ids, plates, gantries of real rows. */
export type Pools = Map<string, unknown[]>;

const EXOTIC = ["名字", "Ωmega", "🚗🚙", "e\u0301", "\u202eevil", "zero\u200bwidth", "tab\tnewline\n", "'; drop table x; --", "<script>", "%00", "\\u0000"];

interface Full extends SchemaObject {
  exclusiveMinimum?: number;
  exclusiveMaximum?: number;
  multipleOf?: number;
  minLength?: number;
  minItems?: number;
  maxItems?: number;
  items?: SchemaObject;
  oneOf?: SchemaObject[];
  allOf?: SchemaObject[];
  const?: unknown;
  default?: unknown;
  additionalProperties?: boolean | SchemaObject;
}

export const typesOf = (s: SchemaObject | undefined): string[] => (s?.type === undefined ? [] : Array.isArray(s.type) ? s.type : [s.type]);

export class SchemaSampler {
  constructor(
    private readonly rng: Rng,
    private readonly resolve: Resolve,
    private readonly pools: Pools,
  ) {}

  /** A value that satisfies the schema (as far as JSON Schema can say; cross-field rules may still refuse it). */
  valid(schema: SchemaObject | undefined, name?: string, depth = 0): unknown {
    const s = this.resolve(schema) as Full | undefined;
    if (!s) return this.rng.pick(["x", 1, true]);
    const pooled = name !== undefined ? this.pools.get(name) : undefined;
    if (pooled?.length && this.rng.chance(0.5)) {
      const v = this.rng.pick(pooled);
      if (this.fits(s, v)) return v;
    }
    if (s.const !== undefined) return s.const;
    if (s.enum?.length) return this.rng.pick(s.enum);
    const branches = s.anyOf ?? s.oneOf;
    if (branches?.length) return this.valid(this.rng.pick(branches), name, depth);
    if (s.allOf?.length) return this.valid({ ...Object.assign({}, ...s.allOf.map((x) => this.resolve(x))) }, name, depth);
    if (s.example !== undefined && this.rng.chance(0.3)) return s.example;
    const types = typesOf(s);
    let type = types.length ? this.rng.pick(types) : s.properties ? "object" : "string";
    if (type === "null" && types.length > 1 && this.rng.chance(0.7)) type = types.find((t) => t !== "null")!;
    switch (type) {
      case "null":
        return null;
      case "boolean":
        return this.rng.chance(0.5);
      case "integer":
        return this.integer(s);
      case "number":
        return this.number(s);
      case "string":
        return this.string(s);
      case "array": {
        const min = s.minItems ?? 0;
        const max = Math.min(s.maxItems ?? min + 4, min + 4);
        const items = Array.from({ length: this.rng.int(min, max) }, () => this.valid(s.items, undefined, depth + 1));
        // Repeated elements find uniqueness rules nobody wrote down (a gantry twice, a name twice).
        if (items.length >= 2 && this.rng.chance(0.2)) items[items.length - 1] = structuredClone(items[0]);
        return items;
      }
      default:
        return this.object(s, depth);
    }
  }

  object(s: Full, depth: number): Record<string, unknown> {
    const out: Record<string, unknown> = {};
    const required = new Set(s.required ?? []);
    for (const [k, p] of Object.entries(s.properties ?? {})) {
      if (required.has(k) || (depth < 4 && this.rng.chance(0.5))) out[k] = this.valid(p, k, depth + 1);
    }
    return out;
  }

  private bounds(s: Full, integer: boolean): [number, number] {
    let lo = s.minimum ?? (s.exclusiveMinimum !== undefined ? s.exclusiveMinimum + (integer ? 1 : 1e-6) : -1_000_000);
    let hi = s.maximum ?? (s.exclusiveMaximum !== undefined ? s.exclusiveMaximum - (integer ? 1 : 1e-6) : 1_000_000_000);
    lo = Math.max(lo, -Number.MAX_SAFE_INTEGER);
    hi = Math.min(hi, Number.MAX_SAFE_INTEGER);
    return [lo, hi];
  }

  private integer(s: Full): number {
    const [lo, hi] = this.bounds(s, true);
    const small = [lo, hi, lo + 1, hi - 1, 0, 1, 2, 3, 5, 31, 42, 100].filter((v) => v >= lo && v <= hi);
    const v = this.rng.chance(0.5) && small.length ? this.rng.pick(small) : lo + Math.floor(this.rng.next() * Math.min(hi - lo + 1, 1e12));
    return Math.ceil(v);
  }

  private number(s: Full): number {
    const [lo, hi] = this.bounds(s, false);
    if (s.multipleOf) {
      const k = this.rng.int(Math.ceil(lo / s.multipleOf), Math.floor(Math.min(hi, lo + 1e6) / s.multipleOf));
      return Number((k * s.multipleOf).toFixed(6));
    }
    const v = this.rng.chance(0.3) ? this.rng.pick([lo, hi, (lo + hi) / 2]) : lo + this.rng.next() * Math.min(hi - lo, 1e9);
    return this.rng.chance(0.5) ? Math.round(v) : Number(v.toFixed(3));
  }

  private string(s: Full): string {
    if (s.format === "date-time") {
      const ms = Date.UTC(2014, 0, 1) + Math.floor(this.rng.next() * (Date.UTC(2031, 0, 1) - Date.UTC(2014, 0, 1)));
      const offset = this.rng.pick(["Z", "+08:00", "-05:30", "+00:00"]);
      const d = new Date(ms + (offset === "+08:00" ? 8 * 3600_000 : offset === "-05:30" ? -5.5 * 3600_000 : 0));
      return d
        .toISOString()
        .replace(/\.\d{3}Z$/, this.rng.chance(0.5) ? ".123Z" : "Z")
        .replace(/Z$/, offset);
    }
    if (s.format === "date") {
      const d = new Date(Date.UTC(2014, 0, 1) + this.rng.int(0, 17 * 365) * 86_400_000);
      return d.toISOString().slice(0, 10);
    }
    if (s.format === "email") return `user${this.rng.int(1, 99999)}@example.com`;
    if (s.pattern) {
      const m = stringMatching(s.pattern, this.rng, this.rng.pick(["min", "max", "random", "random"] as const));
      if (m !== undefined && (s.maxLength === undefined || m.length <= s.maxLength)) return m;
      if (s.example !== undefined) return String(s.example);
    }
    const min = s.minLength ?? 0;
    const max = Math.min(s.maxLength ?? 60, min + 60);
    const len = this.rng.chance(0.2) ? this.rng.pick([min, max]) : this.rng.int(min, max);
    let out = "";
    while ([...out].length < len) out += this.rng.chance(0.15) ? this.rng.pick(EXOTIC) : String.fromCharCode(this.rng.int(0x21, 0x7e));
    return [...out].slice(0, len).join("");
  }

  /** Whether a pooled value fits the schema's basic shape. */
  private fits(s: Full, v: unknown): boolean {
    const types = typesOf(s);
    if (typeof v === "number") {
      if (!(types.includes("integer") || types.includes("number"))) return false;
      const [lo, hi] = this.bounds(s, types.includes("integer"));
      return v >= lo && v <= hi;
    }
    if (typeof v === "string") {
      if (!types.includes("string") && !s.anyOf) return false;
      return (!s.pattern || new RegExp(s.pattern, "u").test(v)) && (s.maxLength === undefined || v.length <= s.maxLength);
    }
    return false;
  }

  /**
   * Replaces one value somewhere inside `value` (any depth: an array item's field too) by a hostile
   * one; `schema` describes `value`. Returns the new value.
   */
  mutateDeep(value: unknown, schema: SchemaObject | undefined, depth = 0): unknown {
    const s = this.resolve(schema) as Full | undefined;
    if (depth < 6 && Array.isArray(value) && value.length > 0 && this.rng.chance(0.8)) {
      const i = this.rng.int(0, value.length - 1);
      const copy = [...value];
      copy[i] = this.mutateDeep(value[i], s?.items, depth + 1);
      return copy;
    }
    if (depth < 6 && value !== null && typeof value === "object" && !Array.isArray(value) && Object.keys(value).length > 0 && this.rng.chance(0.8)) {
      const k = this.rng.pick(Object.keys(value));
      const branch = s?.properties?.[k] ?? (s?.anyOf ?? []).map((b) => this.resolve(b)?.properties?.[k]).find((x) => x);
      return { ...(value as Record<string, unknown>), [k]: this.mutateDeep((value as Record<string, unknown>)[k], branch, depth + 1) };
    }
    return this.hostile(schema, true);
  }

  /** A hostile value for a field of this schema: often invalid, sometimes valid but unusual. */
  hostile(schema: SchemaObject | undefined, inBody: boolean): unknown {
    const s = this.resolve(schema) as Full | undefined;
    const types = typesOf(s);
    const base = this.valid(schema);
    const text = typeof base === "string" ? base : "value";
    const options: (() => unknown)[] = [
      () => `${text}\u0000`,
      () => "\u0000",
      () => `${text.slice(0, 2)}\u0000${text.slice(2)}`,
      () => "x".repeat(this.rng.pick([256, 5000, 70_000])),
      () => this.rng.pick(EXOTIC),
      () => "",
      () => "   ",
      () => "1' OR '1'='1",
      () => this.rng.pick(["-1", "0", "1.5", "1e400", "NaN", "Infinity", "9007199254740993", "-9223372036854775809", "true", "null"]),
    ];
    if (inBody) {
      options.push(
        () => `${text}\ud800`,
        () => "\udfff",
        () => null,
        () => this.rng.pick([[], {}, [1, 2], { a: 1 }]),
        () => this.rng.pick([true, false]),
        () => this.rng.pick([-1, 0, 1.5, 2 ** 31, 2 ** 53, -(2 ** 53), 1e308, -1e308, Number.MAX_SAFE_INTEGER]),
      );
      if (types.includes("integer") || types.includes("number")) {
        const [lo, hi] = s ? this.bounds(s, types.includes("integer")) : [0, 0];
        options.push(
          () => lo - 1,
          () => hi + 1,
          () => lo + 0.5,
        );
      }
      if (types.includes("array")) options.push(() => Array.from({ length: (s?.maxItems ?? 10) + 1 }, () => this.valid(s?.items)));
    }
    return this.rng.pick(options)();
  }
}
