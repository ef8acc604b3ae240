import { describe, expect, test } from "bun:test";
import { postedPriceTenths } from "./posted-price.ts";

describe("postedPriceTenths", () => {
  test("zone km x class rate, truncated to NT$0.1", () => {
    // 01F0017N-like zone of 10.3 km: car 1.2 -> 12.36 -> 12.3; bus 1.5 -> 15.45 -> 15.4; trailer 1.8 -> 18.54 -> 18.5
    expect(postedPriceTenths(103, 12)).toBe(123);
    expect(postedPriceTenths(103, 15)).toBe(154);
    expect(postedPriceTenths(103, 18)).toBe(185);
  });
  test("exact products are not reduced", () => {
    expect(postedPriceTenths(100, 12)).toBe(120);
    expect(postedPriceTenths(0, 12)).toBe(0);
  });
  test("truncates, never rounds up", () => {
    // 0.9 km x 1.8 = 1.62 -> 1.6
    expect(postedPriceTenths(9, 18)).toBe(16);
    // 4.9 km x 1.2 = 5.88 -> 5.8
    expect(postedPriceTenths(49, 12)).toBe(58);
  });
  test("rejects fractional or negative inputs", () => {
    expect(() => postedPriceTenths(10.5, 12)).toThrow(RangeError);
    expect(() => postedPriceTenths(-1, 12)).toThrow(RangeError);
    expect(() => postedPriceTenths(10, Number.NaN)).toThrow(RangeError);
  });
});
