import type { Highs } from "highs";

/** Loads the HiGHS WASM solver once per process; services receive the loader so tests share it. */
export type HighsLoader = () => Promise<Highs>;

export function createHighsLoader(): HighsLoader {
  let instance: Promise<Highs> | undefined;
  return () => (instance ??= import("highs").then((m) => m.default()));
}
