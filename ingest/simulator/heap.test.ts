import { expect, test } from "bun:test";
import { MinHeap } from "./heap.ts";
import { Prng } from "./prng.ts";

test("pops in (ts, seq) order whatever the push order", () => {
  const rng = new Prng(3);
  const heap = new MinHeap<{ ts: number; seq: number }>();
  const all: { ts: number; seq: number }[] = [];
  for (let i = 0; i < 5000; i++) {
    const item = { ts: rng.int(0, 300), seq: i };
    all.push(item);
    heap.push(item);
    // Interleave pops, as the model does.
    if (i % 7 === 0) {
      const top = heap.pop()!;
      const min = all.reduce((m, x) => (x.ts < m.ts || (x.ts === m.ts && x.seq < m.seq) ? x : m));
      expect(top).toBe(min);
      all.splice(all.indexOf(top), 1);
    }
  }
  const expected = [...all].sort((a, b) => a.ts - b.ts || a.seq - b.seq);
  const got: { ts: number; seq: number }[] = [];
  while (heap.size > 0) got.push(heap.pop()!);
  expect(got).toEqual(expected);
  expect(heap.pop()).toBeUndefined();
});

test("the PRNG is reproducible and roughly uniform and normal", () => {
  const a = new Prng("x");
  const b = new Prng("x");
  const xs = Array.from({ length: 20_000 }, () => a.next());
  expect(Array.from({ length: 20_000 }, () => b.next())).toEqual(xs);
  const mean = xs.reduce((s, x) => s + x, 0) / xs.length;
  expect(Math.abs(mean - 0.5)).toBeLessThan(0.01);
  const n = Array.from({ length: 20_000 }, () => a.normal());
  const m = n.reduce((s, x) => s + x, 0) / n.length;
  const sd = Math.sqrt(n.reduce((s, x) => s + (x - m) ** 2, 0) / n.length);
  expect(Math.abs(m)).toBeLessThan(0.03);
  expect(Math.abs(sd - 1)).toBeLessThan(0.03);
});
