/**
 * Reads the gateway's OpenAPI document into a list of operations and derives requests from it:
 * a path with plausible parameters, and inputs that break each parameter's or body field's schema.
 * The security tests use this so every registered route (including ones added later) is covered.
 */
export interface SchemaObject {
  type?: string | string[];
  enum?: unknown[];
  pattern?: string;
  format?: string;
  maxLength?: number;
  minimum?: number;
  maximum?: number;
  example?: unknown;
  properties?: Record<string, SchemaObject>;
  required?: string[];
  anyOf?: SchemaObject[];
  $ref?: string;
}

export interface Parameter {
  name: string;
  in: "path" | "query" | "header" | "cookie";
  required?: boolean;
  schema?: SchemaObject;
}

export interface Operation {
  method: string;
  /** OpenAPI path, e.g. /v1/accounts/{id} */
  path: string;
  roles: string[];
  parameters: Parameter[];
  body: SchemaObject | undefined;
  label: string;
}

type Doc = { paths: Record<string, Record<string, Record<string, unknown>>>; components?: { schemas?: Record<string, SchemaObject> } };

export function resolve(doc: Doc, s: SchemaObject | undefined): SchemaObject | undefined {
  if (s?.$ref) return resolve(doc, doc.components?.schemas?.[s.$ref.replace("#/components/schemas/", "")]);
  return s;
}

export function operations(doc: Doc): Operation[] {
  const out: Operation[] = [];
  for (const [path, ops] of Object.entries(doc.paths)) {
    for (const [method, op] of Object.entries(ops)) {
      const body = (op.requestBody as { content?: Record<string, { schema?: SchemaObject }> } | undefined)?.content?.["application/json"]?.schema;
      out.push({
        method: method.toUpperCase(),
        path,
        roles: (op["x-roles"] as string[] | undefined) ?? [],
        parameters: ((op.parameters as Parameter[] | undefined) ?? []).filter((p) => p.in === "path" || p.in === "query"),
        body: resolve(doc, body),
        label: `${method.toUpperCase()} ${path}`,
      });
    }
  }
  return out;
}

const types = (s: SchemaObject | undefined): string[] => (s?.type === undefined ? [] : Array.isArray(s.type) ? s.type : [s.type]);

/** A value the parameter accepts, for requests that must get past validation or do not reach it. */
export function plausible(p: Parameter): string {
  const s = p.schema ?? {};
  if (s.example !== undefined) return String(s.example);
  if (s.enum?.length) return String(s.enum[0]);
  if (types(s).includes("integer") || types(s).includes("number")) return "1";
  return "x";
}

export const SQL = "1' OR '1'='1'; DROP TABLE accounts; --";

/** A value the schema rejects, or undefined when its schema has no rule to break. */
export function malformed(s: SchemaObject | undefined): string | undefined {
  if (!s) return undefined;
  const t = types(s);
  if (t.includes("integer") || t.includes("number")) return "12abc";
  if (s.enum?.length) return "__not_an_option__";
  if (s.format === "date-time") return "yesterday";
  if (s.format === "date") return "2026-13-45";
  if (s.pattern) return SQL;
  if (s.maxLength !== undefined) return "x".repeat(s.maxLength + 1);
  return undefined;
}

/** A JSON value of the wrong type for a body property. */
export function wrongType(s: SchemaObject | undefined): unknown {
  const t = types(s);
  if (t.includes("string")) return 12345;
  if (t.includes("integer") || t.includes("number")) return "not a number";
  if (t.includes("boolean")) return "not a boolean";
  if (t.includes("array")) return "not an array";
  return { unexpected: true };
}

export function fillPath(op: Operation, values: Record<string, string> = {}): string {
  return op.path.replace(/\{([^}]+)\}/g, (_, name: string) => {
    const p = op.parameters.find((x) => x.in === "path" && x.name === name);
    return encodeURIComponent(values[name] ?? (p ? plausible(p) : "1"));
  });
}
