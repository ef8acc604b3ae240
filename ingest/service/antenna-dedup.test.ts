import { describe, expect, test } from "bun:test";
import { AntennaDedup } from "./antenna-dedup.ts";

const iso = (ms: number) => new Date(ms).toISOString();

describe("AntennaDedup", () => {
  test("reads of one vehicle within the window merge; outside it they start a new passage", () => {
    const d = new AntennaDedup(60);
    const g = d.gantry("01F0017N");
    const a = d.offer(g, "E2801160", null, 0, iso(0));
    expect(d.lastWasNew).toBe(true);
    expect(d.offer(g, "E2801160", null, 59_000, iso(59_000))).toBe(a);
    expect(d.lastWasNew).toBe(false);
    expect(a.rawReads).toBe(2);
    d.offer(g, "E2801160", null, 61_000, iso(61_000));
    expect(d.lastWasNew).toBe(true);
  });

  test("tags and plates are separate keys; gantries are separate", () => {
    const d = new AntennaDedup(60);
    const g1 = d.gantry("A");
    const g2 = d.gantry("B");
    d.offer(g1, "ABC12345", null, 0, iso(0));
    d.offer(g1, null, "ABC12345", 0, iso(0));
    expect(d.lastWasNew).toBe(true);
    d.offer(g2, "ABC12345", null, 0, iso(0));
    expect(d.lastWasNew).toBe(true);
  });

  test("merges into stored passages are counted for an update; warming and reset", () => {
    const d = new AntennaDedup(60);
    expect(d.isWarm("A")).toBe(false);
    const g = d.gantry("A");
    // Getting the state does not make a gantry warm: only loading its stored passages does.
    expect(d.isWarm("A")).toBe(false);
    d.warm("A", [{ tsMs: 1000, ts: iso(1000), tag: "E2801160", plate: null, rawReads: 2 }]);
    expect(d.isWarm("A")).toBe(true);
    const ref = d.offer(g, "E2801160", null, 5000, iso(5000));
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

  test("old passages are pruned as time moves on, bounding memory", () => {
    const d = new AntennaDedup(1);
    const g = d.gantry("A");
    for (let i = 0; i < 100_000; i++) d.offer(g, (0x10000000 + i).toString(16), null, i * 10, "");
    // Two 1 s windows of 10 ms reads are ~200 passages, plus one prune step.
    expect(d.size).toBeLessThan(1000);
  });
});
