import type { Subprocess } from "bun";
import type { Logger } from "../log/logger.ts";

/**
 * Runs the components of `bun run start` as child processes and restarts one that exits, waiting
 * longer after each quick exit (1 s, 2 s, 4 s … up to a cap) and never giving up: a component that
 * stays down leaves gantries with growing outstanding batches. A run that lasted a while starts
 * the backoff over. Every start, readiness, exit and restart is logged with its attempt and delay.
 */
export interface SupervisedComponent {
  name: string;
  command: string[];
  /** Polled after each start until it answers 200: the component is then logged as ready. */
  readyUrl?: string;
  /** Variables for this component only, over the supervisor's env (e.g. the port of a second instance). */
  env?: Record<string, string>;
}

export interface RestartPolicy {
  initialDelayMs: number;
  maxDelayMs: number;
  /** A run at least this long counts as healthy: the next exit waits initialDelayMs again. */
  stableAfterMs: number;
}

export const DEFAULT_RESTART_POLICY: RestartPolicy = { initialDelayMs: 1000, maxDelayMs: 30_000, stableAfterMs: 60_000 };

/** The delays of one component's restarts: doubling from initialDelayMs, capped, reset by a stable run. */
export class RestartBackoff {
  private failures = 0;

  constructor(private readonly policy: RestartPolicy = DEFAULT_RESTART_POLICY) {}

  /** The attempt number and the delay before it, given how long the run that just ended lasted. */
  next(uptimeMs: number): { attempt: number; delayMs: number } {
    if (uptimeMs >= this.policy.stableAfterMs) this.failures = 0;
    this.failures++;
    const delayMs = Math.min(this.policy.maxDelayMs, this.policy.initialDelayMs * 2 ** Math.min(this.failures - 1, 30));
    return { attempt: this.failures, delayMs };
  }
}

export type ComponentState = "starting" | "ready" | "running" | "restarting" | "stopped";

export interface ComponentStatus {
  state: ComponentState;
  pid: number | undefined;
  restarts: number;
}

export interface SupervisorOptions {
  cwd: string;
  env: Record<string, string>;
  logger: Logger;
  policy?: Partial<RestartPolicy>;
  /** After SIGTERM, how long a component may take to stop before SIGKILL. */
  stopTimeoutMs?: number;
  readyPollMs?: number;
}

interface Unit {
  component: SupervisedComponent;
  backoff: RestartBackoff;
  child: Subprocess | undefined;
  startedAt: number;
  state: ComponentState;
  restarts: number;
  timer: ReturnType<typeof setTimeout> | undefined;
}

export class Supervisor {
  private readonly units = new Map<string, Unit>();
  private readonly policy: RestartPolicy;
  private stopping = false;

  constructor(private readonly opts: SupervisorOptions) {
    this.policy = { ...DEFAULT_RESTART_POLICY, ...opts.policy };
  }

  start(component: SupervisedComponent): void {
    if (this.units.has(component.name)) throw new Error(`component ${component.name} is already supervised`);
    const unit: Unit = {
      component,
      backoff: new RestartBackoff(this.policy),
      child: undefined,
      startedAt: 0,
      state: "starting",
      restarts: 0,
      timer: undefined,
    };
    this.units.set(component.name, unit);
    this.spawn(unit);
  }

  status(): Record<string, ComponentStatus> {
    const out: Record<string, ComponentStatus> = {};
    for (const [name, u] of this.units) out[name] = { state: u.state, pid: u.child?.pid, restarts: u.restarts };
    return out;
  }

  /** SIGTERM to every component, SIGKILL to those still running after stopTimeoutMs. */
  async stop(): Promise<void> {
    this.stopping = true;
    const exits = [...this.units.values()].map(async (u) => {
      clearTimeout(u.timer);
      const child = u.child;
      if (!child) {
        u.state = "stopped";
        return;
      }
      child.kill("SIGTERM");
      const timer = setTimeout(() => {
        this.opts.logger.warn("component did not stop in time; killing it", { component: u.component.name, pid: child.pid });
        child.kill("SIGKILL");
      }, this.opts.stopTimeoutMs ?? 15_000);
      await child.exited;
      clearTimeout(timer);
    });
    await Promise.all(exits);
  }

  private spawn(unit: Unit): void {
    const { component } = unit;
    let child: Subprocess;
    try {
      child = Bun.spawn(component.command, { cwd: this.opts.cwd, env: { ...this.opts.env, ...component.env }, stdio: ["ignore", "inherit", "inherit"] });
    } catch (e) {
      this.opts.logger.error("component could not be started", { component: component.name, err: String(e) });
      this.scheduleRestart(unit, 0);
      return;
    }
    unit.child = child;
    unit.startedAt = Date.now();
    unit.state = component.readyUrl ? "starting" : "running";
    this.opts.logger.info("component started", { component: component.name, pid: child.pid, restarts: unit.restarts });
    void child.exited.then((code) => this.onExit(unit, child, code));
    if (component.readyUrl) void this.awaitReady(unit, child, component.readyUrl);
  }

  private onExit(unit: Unit, child: Subprocess, code: number | null): void {
    if (unit.child !== child) return;
    unit.child = undefined;
    const uptimeMs = Date.now() - unit.startedAt;
    if (this.stopping) {
      unit.state = "stopped";
      this.opts.logger.info("component stopped", { component: unit.component.name, pid: child.pid, code });
      return;
    }
    this.opts.logger.warn("component exited", { component: unit.component.name, pid: child.pid, code, signal: child.signalCode ?? undefined, uptimeMs });
    this.scheduleRestart(unit, uptimeMs);
  }

  private scheduleRestart(unit: Unit, uptimeMs: number): void {
    const { attempt, delayMs } = unit.backoff.next(uptimeMs);
    unit.state = "restarting";
    this.opts.logger.warn("restarting component", { component: unit.component.name, attempt, delayMs });
    unit.timer = setTimeout(() => {
      unit.timer = undefined;
      if (this.stopping) return;
      unit.restarts++;
      this.spawn(unit);
    }, delayMs);
  }

  private async awaitReady(unit: Unit, child: Subprocess, url: string): Promise<void> {
    const pollMs = this.opts.readyPollMs ?? 250;
    while (!this.stopping && unit.child === child && child.exitCode === null) {
      try {
        const res = await fetch(url, { signal: AbortSignal.timeout(1000) });
        await res.body?.cancel();
        if (res.status === 200 && unit.child === child) {
          unit.state = "ready";
          this.opts.logger.info("component ready", {
            component: unit.component.name,
            pid: child.pid,
            restarts: unit.restarts,
            startupMs: Date.now() - unit.startedAt,
          });
          return;
        }
      } catch {
        // not listening yet
      }
      await Bun.sleep(pollMs);
    }
  }
}
