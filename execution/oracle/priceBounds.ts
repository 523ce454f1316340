/**
 * What a price or vol on chain may be (consensus rule, SPEC section 4 and DESIGN "Containment"):
 * absolute caps so no accepted figure can overflow a later computation, and a governed largest
 * move per update (`oracle.maxMove`) relative to the stored figure. All comparisons are on wad
 * integers; a float parameter is converted once with lib/fixed's rule (`numberToWad`).
 *
 * The caps and why they are enough:
 * - price in [10^-8, 10^12] USD (wad [10^10, 10^30]): 10^30 leaves 10^46 of int256 (5.7·10^76)
 *   for sizes, products and sums; the floor keeps a relative move meaningful (a 1-wei price
 *   could never move by a share of itself) and keeps the kernel's floats away from 0.
 * - vol in [0.0001, 10] (wad [10^14, 10^19]): Black–Scholes and the expected-shortfall paths stay
 *   finite (σ²T ≤ 1,000 for any expiry governance may list, at most 10 years ahead).
 * - each update moves a price and a vol by at most ±maxMove of the stored figure, inclusive:
 *   `|new − old|·10^18 ≤ maxMoveWad·old`. A feed that never had a figure (old = 0) takes any
 *   figure within the caps.
 */
import { WAD } from '../../lib/fixed.ts'

/** Lowest price accepted: 10^-8 USD per unit, wad. */
export const PRICE_MIN_WAD = 10n ** 10n
/** Highest price accepted: 10^12 USD per unit, wad. */
export const PRICE_MAX_WAD = 10n ** 30n
/** Lowest vol accepted: 0.0001 (0.01 %), wad. */
export const VOL_MIN_WAD = 10n ** 14n
/** Highest vol accepted: 10 (1,000 %), wad. */
export const VOL_MAX_WAD = 10n * WAD
/** Governance's bound on `oracle.maxMove`: in (0, MAX_MOVE_LIMIT]. */
export const MAX_MOVE_LIMIT = 10

/** True when `priceWad` is within [PRICE_MIN_WAD, PRICE_MAX_WAD]. */
export function priceInBounds(priceWad: bigint): boolean {
  return priceWad >= PRICE_MIN_WAD && priceWad <= PRICE_MAX_WAD
}

/** True when `volWad` is within [VOL_MIN_WAD, VOL_MAX_WAD]. */
export function volInBounds(volWad: bigint): boolean {
  return volWad >= VOL_MIN_WAD && volWad <= VOL_MAX_WAD
}

/**
 * True when going from `oldWad` to `newWad` moves by at most `maxMoveWad` (a share, wad) of
 * `oldWad`; always true when `oldWad` is 0 (no figure yet).
 *
 * @example withinMove(3000n * WAD, 4500n * WAD, WAD / 2n) // true: +50 % is allowed at 0.5
 */
export function withinMove(oldWad: bigint, newWad: bigint, maxMoveWad: bigint): boolean {
  if (oldWad <= 0n) return true
  const diff = newWad >= oldWad ? newWad - oldWad : oldWad - newWad
  return diff * WAD <= maxMoveWad * oldWad
}

/** The stored and the proposed figures of one feed, wad. */
export interface FeedFigures {
  priceWad: bigint
  volWad: bigint
}

/**
 * Why an update of the feed `symbol` from `stored` to `next` is refused, or undefined when it is
 * accepted: `price out of bounds: ETH`, `vol out of bounds: ETH`, `price move too large: ETH`,
 * `vol move too large: ETH` (checked in that order). `stored` undefined checks the caps only.
 */
export function feedUpdateRefusal(
  symbol: string,
  next: FeedFigures,
  maxMoveWad: bigint,
  stored?: FeedFigures,
): string | undefined {
  if (!priceInBounds(next.priceWad)) return `price out of bounds: ${symbol}`
  if (!volInBounds(next.volWad)) return `vol out of bounds: ${symbol}`
  if (stored === undefined) return undefined
  if (!withinMove(stored.priceWad, next.priceWad, maxMoveWad)) return `price move too large: ${symbol}`
  if (!withinMove(stored.volWad, next.volWad, maxMoveWad)) return `vol move too large: ${symbol}`
  return undefined
}
