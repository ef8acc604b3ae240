import { describe, expect, test } from "bun:test";
import Ajv from "ajv";
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";

/**
 * `docker compose config` accepts the compose file. This machine has the docker CLI without the compose
 * plugin (and no engine), so when the plugin is missing the same checks run here: variable
 * interpolation as compose does it (${VAR}, ${VAR:-default}, ${VAR:?error}), validation against the
 * Compose Specification JSON schema (shipped by the dclint package), and the cross-references compose
 * resolves (services, volumes, bind-mounted files, build context).
 */
const root = join(import.meta.dir, "..");
const composeFile = join(root, "docker-compose.yml");

function envExample(): Record<string, string> {
  const env: Record<string, string> = {};
  for (const line of readFileSync(join(root, "deploy/env.example"), "utf8").split("\n")) {
    const m = /^([A-Z0-9_]+)=(.*)$/.exec(line.trim());
    if (m) env[m[1]!] = m[2]!;
  }
  return env;
}

/** Compose interpolation; throws like compose on a ${VAR:?message} whose variable is unset or empty. */
export function interpolate(text: string, env: Record<string, string | undefined>): string {
  return text.replace(
    /\$\$|\$\{([A-Za-z_][A-Za-z0-9_]*)(?:(:?[-?])([^}]*))?\}|\$([A-Za-z_][A-Za-z0-9_]*)/g,
    (whole, name?: string, op?: string, arg?: string, bare?: string) => {
      if (whole === "$$") return "$";
      if (bare) return env[bare] ?? "";
      const value = env[name!];
      const unsetOrEmpty = value === undefined || (op?.startsWith(":") && value === "");
      if (op === ":-" || op === "-") return unsetOrEmpty ? arg! : value!;
      if (op === ":?" || op === "?") {
        if (unsetOrEmpty) throw new Error(`required variable ${name} is missing a value: ${arg}`);
        return value!;
      }
      return value ?? "";
    },
  );
}

/** The Compose Specification schema; its $schema URL is draft-07 under another spelling, so the meta-check is skipped. */
function composeValidator() {
  const schema = JSON.parse(readFileSync(join(root, "node_modules/dclint/schemas/compose.schema.json"), "utf8")) as object;
  return new Ajv({ allErrors: true, strict: false, validateFormats: false, validateSchema: false }).compile(schema);
}

function dockerComposeAvailable(): boolean {
  const r = Bun.spawnSync(["docker", "compose", "version"], { stdout: "ignore", stderr: "ignore" });
  return r.exitCode === 0;
}

describe("docker-compose.yml", () => {
  const env = envExample();

  test("docker compose config accepts it (or, without the compose plugin, the same checks pass)", () => {
    if (dockerComposeAvailable()) {
      const r = Bun.spawnSync(["docker", "compose", "-f", composeFile, "--env-file", join(root, "deploy/env.example"), "config", "--quiet"], { cwd: root });
      expect(r.stderr.toString()).toBe("");
      expect(r.exitCode).toBe(0);
    }
    const doc = Bun.YAML.parse(interpolate(readFileSync(composeFile, "utf8"), env)) as Record<string, unknown>;
    const validate = composeValidator();
    const ok = validate(doc);
    expect(validate.errors ?? [], JSON.stringify(validate.errors, null, 1)).toEqual([]);
    expect(ok).toBe(true);
  });

  test("the schema check rejects what compose rejects", () => {
    const validate = composeValidator();
    expect(validate({ services: { app: { image: "x", restart: "sometimes-maybe", prots: ["80:80"] } } })).toBe(false);
    expect(validate({ services: { app: { image: "x", depends_on: { db: { condition: "when-ready" } } } } })).toBe(false);
  });

  test("references resolve: dependencies, named volumes, mounted files, build context", () => {
    const doc = Bun.YAML.parse(interpolate(readFileSync(composeFile, "utf8"), env)) as {
      services: Record<string, { depends_on?: Record<string, unknown>; volumes?: string[]; build?: { context: string; dockerfile: string }; image?: string }>;
      volumes: Record<string, unknown>;
    };
    const services = Object.keys(doc.services);
    // The HA layout: the database pair with its monitor, two of each Tollway component, Grafana.
    expect(services.sort()).toEqual([
      "control-1",
      "control-2",
      "db-init",
      "db1",
      "db2",
      "gateway-1",
      "gateway-2",
      "grafana",
      "ingest-1",
      "ingest-2",
      "migrate",
      "monitor",
    ]);
    for (const [name, s] of Object.entries(doc.services)) {
      for (const dep of Object.keys(s.depends_on ?? {})) expect(services, `${name} depends on ${dep}`).toContain(dep);
      for (const v of s.volumes ?? []) {
        const source = v.split(":")[0]!;
        if (source.startsWith(".")) expect(existsSync(join(root, source)), `${name} mounts ${source}`).toBe(true);
        else expect(Object.keys(doc.volumes), `${name} uses volume ${source}`).toContain(source);
      }
      if (s.build) expect(existsSync(join(root, s.build.context, s.build.dockerfile))).toBe(true);
    }
    // Every service reaches the database through both nodes, and the nodes run pg_auto_failover.
    const dbImage = readFileSync(join(root, "deploy/pg-auto-failover/Dockerfile"), "utf8");
    expect(dbImage).toMatch(/^FROM postgres:1[67]-bookworm$/m);
    expect(dbImage).toMatch(/postgresql-1[67]-auto-failover pg-auto-failover-cli timescaledb-2-postgresql-1[67]/);
    for (const name of ["monitor", "db1", "db2"]) expect(doc.services[name]!.image).toBe("tollway-pg-auto-failover:17");
    for (const name of ["migrate", "ingest-1", "ingest-2", "gateway-1", "gateway-2", "control-1", "control-2"]) {
      const env = (doc.services[name] as { environment?: Record<string, string> }).environment ?? {};
      expect(env.DATABASE_URL, name).toMatch(/@db1:5432,db2:5432\/tollway\?target_session_attrs=read-write$/);
    }
  });

  test("a missing secret is refused, as compose refuses it", () => {
    const { POSTGRES_PASSWORD: _, ...withoutPassword } = env;
    expect(() => interpolate(readFileSync(composeFile, "utf8"), withoutPassword)).toThrow(/POSTGRES_PASSWORD/);
  });

  test("the app image is the official Bun image with libzmq5, and the entry files it runs exist", () => {
    const dockerfile = readFileSync(join(root, "Dockerfile"), "utf8");
    expect(dockerfile).toMatch(/^FROM oven\/bun:1\.3\.14\b/m);
    expect(dockerfile).toMatch(/apt-get install[^\n]*libzmq5/);
    for (const entry of ["core/cli/migrate.ts", "core/cli/seed.ts", "core/cli/start.ts", "gateway/main.ts", "ingest/main.ts", "control/main.ts"]) {
      expect(existsSync(join(root, entry)), entry).toBe(true);
    }
  });
});
