/**
 * Token buckets per caller (API key id, or client address without a key). In memory, per gateway
 * process: several instances behind a balancer each grant the configured rate.
 */
export interface RateLimitOptions {
  perSecond: number;
  burst: number;
  clock?: () => number;
  /** Buckets idle this long are dropped, so the map does not grow with every address seen. */
  idleMs?: number;
}

export type RateDecision = { allowed: true; remaining: number } | { allowed: false; retryAfterSeconds: number };

export class RateLimiter {
  private readonly buckets = new Map<string, { tokens: number; at: number }>();
  private readonly clock: () => number;
  private readonly idleMs: number;
  private lastSweep = 0;

  constructor(private readonly opts: RateLimitOptions) {
    this.clock = opts.clock ?? (() => performance.now());
    this.idleMs = opts.idleMs ?? 10 * 60_000;
  }

  take(caller: string): RateDecision {
    const now = this.clock();
    this.sweep(now);
    const b = this.buckets.get(caller) ?? { tokens: this.opts.burst, at: now };
    b.tokens = Math.min(this.opts.burst, b.tokens + ((now - b.at) / 1000) * this.opts.perSecond);
    b.at = now;
    this.buckets.set(caller, b);
    if (b.tokens >= 1) {
      b.tokens -= 1;
      return { allowed: true, remaining: Math.floor(b.tokens) };
    }
    return { allowed: false, retryAfterSeconds: Math.max(1, Math.ceil((1 - b.tokens) / this.opts.perSecond)) };
  }

  private sweep(now: number): void {
    if (now - this.lastSweep < this.idleMs) return;
    this.lastSweep = now;
    for (const [k, b] of this.buckets) if (now - b.at > this.idleMs) this.buckets.delete(k);
  }
}
