/**
 * Congestion-responsive tolling, the controller (control/pricing/README.md): every 5 minutes, per
 * priced segment, a rate multiplier from the tag-measured speed and flow of the interval that just
 * closed. Multipliers are integers in per-mille (1000 = the fixed Taiwan rate) on a 50 per-mille
 * grid, so every charge is exact: charge_tenths = floor(base_tenths x permille / 1000).
 */
export interface PricingConfig {
  /** Hold the segment at or above this speed (72 km/h is 45 mph, MnPASS's lower bound). */
  targetSpeedKmh: number;
  /** Above this speed (88 km/h, 55 mph) the price may come down. */
  upperSpeedKmh: number;
  minPermille: number;
  maxPermille: number;
  /** Largest change per update. */
  maxStepPermille: number;
  /** Per-mille change per km/h away from the band (then rounded to the grid, at least one grid step). */
  gainPermillePerKmh: number;
  /** A decrease needs this many consecutive updates above the band (hysteresis). */
  decreaseAfterUpdates: number;
  /** With fewer vehicles in the interval there is no evidence: the price holds. */
  minVolume: number;
  /**
   * With a capacity configured for the segment: at or above this share of it the flow is close to
   * breaking down, so the price rises before the speed falls (a queue, once formed, takes far longer
   * to clear than to prevent); the step grows from one grid step here to the maximum at capacity.
   */
  highFlowShare: number;
  /** With a capacity: below this share (and not below the target speed) the demand is light and the price may come down. */
  lowFlowShare: number;
}

export const DEFAULT_PRICING: PricingConfig = {
  targetSpeedKmh: 72,
  upperSpeedKmh: 88,
  minPermille: 1000,
  maxPermille: 3000,
  maxStepPermille: 250,
  gainPermillePerKmh: 25,
  decreaseAfterUpdates: 2,
  minVolume: 10,
  highFlowShare: 0.9,
  lowFlowShare: 0.75,
};

export const GRID_PERMILLE = 50;

export interface PriceState {
  permille: number;
  /** Consecutive updates with light traffic (above the band, or a flow below lowFlowShare) so far. */
  above: number;
}

/** Operator overrides (audited where they are set): a ceiling, or a freeze at the current price. */
export interface PriceOverride {
  capPermille?: number;
  frozen?: boolean;
}

export interface PriceDecision extends PriceState {
  reason: "below-target" | "high-flow" | "above-band" | "low-flow" | "in-band" | "no-evidence" | "frozen" | "capped" | "hysteresis";
}

/**
 * The next multiplier of one segment from the last interval's space-mean speed and volume (vehicles
 * in the 5 minutes), and the segment's capacity in vehicles per hour when one is configured:
 * - slower than the target: up, by the gain per km/h below it;
 * - else a flow at or above highFlowShare of capacity: up, before the queue forms;
 * - else faster than the band, or a flow below lowFlowShare of capacity: down, but only after
 *   decreaseAfterUpdates such updates in a row (hysteresis);
 * - else (inside the band, between the two flow shares) it holds.
 * Every change is on the grid, at least one grid step and at most the maximum step.
 */
export function nextPrice(
  state: PriceState,
  speedKmh: number | null,
  volume: number,
  c: PricingConfig = DEFAULT_PRICING,
  o: PriceOverride = {},
  capacityPerHour: number | null = null,
): PriceDecision {
  const cap = Math.min(c.maxPermille, o.capPermille ?? Number.POSITIVE_INFINITY);
  if (o.frozen) return { permille: Math.min(state.permille, cap), above: 0, reason: state.permille > cap ? "capped" : "frozen" };
  const flowShare = capacityPerHour ? (volume * 12) / capacityPerHour : null;
  let permille = state.permille;
  let above = 0;
  let reason: PriceDecision["reason"];
  if (speedKmh === null || volume < c.minVolume) reason = "no-evidence";
  else if (speedKmh < c.targetSpeedKmh) {
    permille += stepOf((c.targetSpeedKmh - speedKmh) * c.gainPermillePerKmh, c.maxStepPermille);
    reason = "below-target";
  } else if (flowShare !== null && flowShare >= c.highFlowShare) {
    permille += stepOf(((flowShare - c.highFlowShare) / (1 - c.highFlowShare)) * c.maxStepPermille, c.maxStepPermille);
    reason = "high-flow";
  } else if (speedKmh > c.upperSpeedKmh || (flowShare !== null && flowShare < c.lowFlowShare)) {
    above = state.above + 1;
    if (above >= c.decreaseAfterUpdates) {
      const bySpeed = (speedKmh - c.upperSpeedKmh) * c.gainPermillePerKmh;
      const byFlow = flowShare === null ? 0 : ((c.lowFlowShare - flowShare) / c.lowFlowShare) * c.maxStepPermille;
      permille -= stepOf(Math.max(bySpeed, byFlow), c.maxStepPermille);
      reason = speedKmh > c.upperSpeedKmh ? "above-band" : "low-flow";
    } else reason = "hysteresis";
  } else reason = "in-band";
  permille = Math.max(c.minPermille, Math.min(c.maxPermille, permille));
  // An operator's cap applies at once (it only ever lowers the price).
  if (permille > cap) return { permille: Math.max(c.minPermille, cap), above, reason: "capped" };
  return { permille, above, reason };
}

/** A change rounded to the grid: at least one grid step, at most maxStep. */
function stepOf(raw: number, maxStep: number): number {
  const rounded = Math.max(GRID_PERMILLE, Math.round(raw / GRID_PERMILLE) * GRID_PERMILLE);
  return Math.min(Math.floor(maxStep / GRID_PERMILLE) * GRID_PERMILLE, rounded);
}
