import { describe, expect, test } from "bun:test";
import { AntennaDedup } from "./antenna-dedup.ts";

const iso = (ms: number) => new Date(ms).toISOString();

describe("AntennaDedup", () => {
  test("reads of one vehicle within the window merge; outside it they start a new passage", () => {
    const d = new AntennaDedup(60);
    const g = d.gantry("01F0017N");
    const a = d.offer(g, "E2801160", "E2801160", null, 0, iso(0));
    expect(d.lastWasNew).toBe(true);
    expect(d.offer(g, "E2801160", "E2801160", null, 59_000, iso(59_000))).toBe(a);
    expect(d.lastWasNew).toBe(false);
    expect(a.rawReads).toBe(2);
    d.offer(g, "E2801160", "E2801160", null, 61_000, iso(61_000));
    expect(d.lastWasNew).toBe(true);
  });

  test("reads merge across bucket boundaries (buckets are two windows wide), in both directions and at the window's edge", () => {
    const d = new AntennaDedup(60);
    const g = d.gantry("A");
    // A late read: its passage is in the next bucket.
    const a = d.offer(g, "E2801160", "E2801160", null, 240_500, iso(240_500));
    expect(d.offer(g, "E2801160", "E2801160", null, 239_900, iso(239_900))).toBe(a);
    expect(d.lastWasNew).toBe(false);
    // A read in the next bucket, exactly one window after the passage in the bucket before.
    const b = d.offer(g, "E2801161", "E2801161", null, 200_000, iso(200_000));
    expect(d.offer(g, "E2801161", "E2801161", null, 260_000, iso(260_000))).toBe(b);
    // Just over the window: a new passage.
    const c = d.offer(g, "E2801162", "E2801162", null, 239_999, iso(239_999));
    expect(d.offer(g, "E2801162", "E2801162", null, 300_000, iso(300_000))).not.toBe(c);
    expect(d.lastWasNew).toBe(true);
    // Against a brute-force reference: every pair of reads at random times.
    let seed = 1;
    const rnd = () => (seed = (seed * 16807) % 2147483647) / 2147483647;
    for (let k = 0; k < 2000; k++) {
      const e = new AntennaDedup(60);
      const s = e.gantry("A");
      const t1 = Math.floor(rnd() * 1_000_000);
      const t2 = t1 + Math.floor((rnd() - 0.5) * 250_000);
      const first = e.offer(s, "E2801163", "E2801163", null, t1, iso(t1));
      const same = e.offer(s, "E2801163", "E2801163", null, t2, iso(t2)) === first;
      expect(same).toBe(Math.abs(t2 - t1) <= 60_000);
    }
  });

  test("tags and plates are separate keys; gantries are separate", () => {
    const d = new AntennaDedup(60);
    const g1 = d.gantry("A");
    const g2 = d.gantry("B");
    d.offer(g1, "ABC12345", "ABC12345", null, 0, iso(0));
    d.offer(g1, "plate:ABC12345", null, "ABC12345", 0, iso(0));
    expect(d.lastWasNew).toBe(true);
    d.offer(g2, "ABC12345", "ABC12345", null, 0, iso(0));
    expect(d.lastWasNew).toBe(true);
  });

  test("merges into stored passages are counted for an update; warming and reset", () => {
    const d = new AntennaDedup(60);
    expect(d.isWarm("A")).toBe(false);
    const g = d.gantry("A");
    // Getting the state does not make a gantry warm: only loading its stored passages does.
    expect(d.isWarm("A")).toBe(false);
    d.warm("A", [{ key: "E2801160", tsMs: 1000, ts: iso(1000), tag: "E2801160", plate: null, rawReads: 2 }]);
    expect(d.isWarm("A")).toBe(true);
    const ref = d.offer(g, "E2801160", "E2801160", null, 5000, iso(5000));
    expect(d.lastWasNew).toBe(false);
    expect(ref.stored).toBe(true);
    expect(ref.addStored).toBe(1);
    expect(ref.rawReads).toBe(3);
    d.committed([ref]);
    expect(ref.addStored).toBe(0);
    d.reset();
    expect(d.isWarm("A")).toBe(false);
    expect(d.size).toBe(0);
  });

  test("old passages are dropped as traffic moves on, bounding memory", () => {
    const d = new AntennaDedup(1);
    const g = d.gantry("A");
    for (let i = 0; i < 100_000; i++) d.offer(g, (0x10000000 + i).toString(16), (0x10000000 + i).toString(16), null, i * 10, "");
    // The buckets within reach plus the last ~2048 passages elsewhere.
    expect(d.size).toBeLessThan(3000);
  });

  test("a batch from a far-future clock neither stops the clean-up nor wipes the state", () => {
    const d = new AntennaDedup(1);
    const g = d.gantry("A");
    for (let i = 0; i < 50_000; i++) d.offer(g, (0x10000000 + i).toString(16), (0x10000000 + i).toString(16), null, i * 10, "");
    const recent = d.offer(g, "E2801160", "E2801160", null, 500_000, "");
    for (let i = 0; i < 100; i++) d.offer(g, (0x20000000 + i).toString(16), (0x20000000 + i).toString(16), null, 10 ** 12 + i, "");
    // The vehicle read just before the glitch still merges.
    expect(d.offer(g, "E2801160", "E2801160", null, 500_100, "")).toBe(recent);
    for (let i = 50_000; i < 150_000; i++) d.offer(g, (0x10000000 + i).toString(16), (0x10000000 + i).toString(16), null, i * 10, "");
    expect(d.size).toBeLessThan(3000);
  });
});
