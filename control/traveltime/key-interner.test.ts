import { expect, test } from "bun:test";
import { KeyInterner } from "./key-interner.ts";

test("KeyInterner gives each distinct key one dense id, across rehashes", () => {
  const it = new KeyInterner();
  const ids = new Map<string, number>();
  for (let n = 0; n < 20_000; n++) {
    const key = n % 3 === 0 ? `plate:ABC-${n % 5000}` : `E2801160${(n % 7000).toString(16).padStart(16, "0")}`;
    const id = it.id(key);
    if (ids.has(key)) expect(id).toBe(ids.get(key)!);
    else {
      expect(id).toBe(ids.size);
      ids.set(key, id);
    }
  }
  expect(it.size).toBe(ids.size);
  expect(it.keys[ids.get("plate:ABC-3")!]).toBe("plate:ABC-3");
});
