import { describe, expect, test } from "bun:test";
import { RateLimiter } from "./rate-limiter.ts";

describe("RateLimiter", () => {
  test("grants the burst, then refuses until tokens refill", () => {
    let now = 0;
    const rl = new RateLimiter({ perSecond: 2, burst: 3, clock: () => now });
    expect([rl.take("a"), rl.take("a"), rl.take("a")].every((d) => d.allowed)).toBe(true);
    const refused = rl.take("a");
    expect(refused).toEqual({ allowed: false, retryAfterSeconds: 1 });
    // Another caller has its own bucket.
    expect(rl.take("b").allowed).toBe(true);
    now += 500; // half a second at 2/s gives one token back
    expect(rl.take("a").allowed).toBe(true);
    expect(rl.take("a").allowed).toBe(false);
  });

  test("Retry-After reflects a slow refill rate", () => {
    const rl = new RateLimiter({ perSecond: 0.1, burst: 1, clock: () => 0 });
    expect(rl.take("k").allowed).toBe(true);
    expect(rl.take("k")).toEqual({ allowed: false, retryAfterSeconds: 10 });
  });
});
