import { describe, expect, test } from "bun:test";
import { PackedVehicleMap, packHexTag, packPlate } from "./packed-vehicle-map.ts";
import type { Vehicle } from "./reference-data.ts";

// mulberry32: the same keys every run.
function prng(seed: number) {
  return () => {
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

describe("key packing", () => {
  test("different tags and plates never pack alike: leading zeros and dashes count, length is kept", () => {
    const seen = new Map<string, string>();
    const w = new Int32Array(4);
    const keysOf = (pack: typeof packHexTag, keys: string[]) => {
      for (const k of keys) {
        expect(pack(k, w)).toBe(true);
        const id = `${pack === packHexTag ? "t" : "p"}:${[...w].join(",")}`;
        expect(seen.get(id) ?? k).toBe(k);
        seen.set(id, k);
      }
    };
    const rnd = prng(7);
    const hex = "0123456789ABCDEF";
    const tags = ["0", "00", "0A", "A", "A0", "00000000", "000000000", "FFFFFFFF", "FFFFFFFFF", "E28000000000000000000001", "0E2800000000000000000001"];
    for (let i = 0; i < 20_000; i++) tags.push(Array.from({ length: 1 + Math.floor(rnd() * 24) }, () => hex[Math.floor(rnd() * 16)]).join(""));
    keysOf(packHexTag, [...new Set(tags)]);
    const chars = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ-";
    const plates = ["0", "00", "-", "--", "A-1", "A1-", "-A1", "AB-1234", "AB-12340", "ZZZZZZ", "ZZZZZZZ", "ZZZZZZZZZZZZZZZZZZ"];
    for (let i = 0; i < 20_000; i++) plates.push(Array.from({ length: 1 + Math.floor(rnd() * 18) }, () => chars[Math.floor(rnd() * chars.length)]).join(""));
    keysOf(packPlate, [...new Set(plates)]);
  });

  test("what does not pack is refused: too long, lower case, other characters, empty", () => {
    const w = new Int32Array(4);
    expect(packHexTag("E".repeat(25), w)).toBe(false);
    expect(packHexTag("e280", w)).toBe(false);
    expect(packHexTag("E28G", w)).toBe(false);
    expect(packHexTag("", w)).toBe(false);
    expect(packPlate("A".repeat(19), w)).toBe(false);
    expect(packPlate("ab-12", w)).toBe(false);
    expect(packPlate("AB 12", w)).toBe(false);
    expect(packPlate("", w)).toBe(false);
  });
});

describe("PackedVehicleMap", () => {
  test("holds the same as a Map through growth: vehicles, overwrites, keys that do not pack", () => {
    const rnd = prng(11);
    const map = new PackedVehicleMap(packHexTag, 16);
    const reference = new Map<string, Vehicle>();
    const key = (n: number) =>
      n % 97 === 0 ? "e280" + n.toString(16) : n % 89 === 0 ? "E280".padEnd(40, "0") + n.toString(16) : "E280" + n.toString(16).toUpperCase().padStart(20, "0");
    for (let i = 0; i < 300_000; i++) {
      const k = key(Math.floor(rnd() * 200_000));
      const v = {
        accountId: 1 + Math.floor(rnd() * 2 ** 40),
        vehicleClass: [31, 32, 41, 42, 5][Math.floor(rnd() * 5)]!,
        vehicleId: rnd() < 0.5 ? null : 1 + Math.floor(rnd() * 2 ** 31),
        hotlist: ([null, null, "blocked", "lost", "stolen"] as const)[Math.floor(rnd() * 5)]!,
      };
      map.set(k, v);
      reference.set(k, v);
    }
    expect(map.size).toBe(reference.size);
    for (const [k, v] of reference) expect(map.get(k)).toEqual(v);
    for (let n = 200_000; n < 201_000; n++) expect(map.get(key(n))).toBeUndefined();
  });

  test("account ids keep every bit up to 2^53", () => {
    const map = new PackedVehicleMap(packPlate);
    for (const id of [1, 2 ** 31 - 1, 2 ** 31, 2 ** 32 - 1, 2 ** 32, 2 ** 32 + 1, 2 ** 40 + 12345, Number.MAX_SAFE_INTEGER]) {
      map.set(`P-${id % 1000}`, { accountId: id, vehicleClass: 42, vehicleId: 7, hotlist: null });
      expect(map.get(`P-${id % 1000}`)).toEqual({ accountId: id, vehicleClass: 42, vehicleId: 7, hotlist: null });
    }
  });
});
