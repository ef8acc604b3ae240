/**
 * The posted price of one passage: the gantry's toll-zone length times the class rate per km,
 * truncated to NT$0.1. Both inputs are integer tenths (0.1 km, NT$0.1 per km), so the product is in
 * NT$0.01 and one integer division by 10 truncates it -- no floats anywhere.
 *
 * This is the one place that prices a passage: the ingest calls it for every read and the daily
 * settlement engine uses it when re-rating.
 */
export function postedPriceTenths(zoneKmTenths: number, rateTenthsPerKm: number): number {
  if (!Number.isSafeInteger(zoneKmTenths) || zoneKmTenths < 0)
    throw new RangeError(`zone length must be a non-negative integer in 0.1 km, got ${zoneKmTenths}`);
  if (!Number.isSafeInteger(rateTenthsPerKm) || rateTenthsPerKm < 0)
    throw new RangeError(`rate must be a non-negative integer in NT$0.1/km, got ${rateTenthsPerKm}`);
  return Math.floor((zoneKmTenths * rateTenthsPerKm) / 10);
}
