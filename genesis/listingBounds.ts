/**
 * The governed `listing` schedule (SPEC 6.4 and 7): how a genesis or a proposal patches it and
 * the bounds on what results, shared by genesis/validateMargin.ts and
 * execution/governance/applyChange.ts. `fail(field, problem)` builds the error to throw; fields
 * are named as `margin_getRiskParams` names them (`listing.weekly`, `listing.tick.ETH`).
 */
import { isForbiddenKey, isRecord, unknownKey } from '../lib/jsonKeys.ts'
import type { Market } from '../risk/index.ts'
import type { ListingParams } from '../state/system/types.ts'
import { checkInterval, type Interval } from './riskParamBounds.ts'

type Fail = (field: string, problem: string) => Error

/** Every bound on `listing`. */
export const LISTING_BOUNDS = {
  /** Weekly expiries kept listed. */
  weekly: { lo: 0, hi: 8, integer: true } satisfies Interval,
  /** Monthly expiries kept listed. */
  monthly: { lo: 0, hi: 8, integer: true } satisfies Interval,
  /** Each strike's move from the index: above −100 % (a positive strike), below +500 %. */
  strikesPct: { lo: -1, hi: 5, loOpen: true, hiOpen: true } satisfies Interval,
  /** Most strikes per expiry (each listed as a call and a put). */
  maxStrikes: 21,
  /** USD per underlying, up to the oracle's price cap. */
  tick: { lo: 0, hi: 1e12, loOpen: true } satisfies Interval,
} as const

/** The schedule of a genesis without `listing`: nothing is listed. */
export const LISTING_OFF: ListingParams = { weekly: 0, monthly: 0, strikesPct: [], tick: {} }

/**
 * `base` patched by `v` (objects merge — `tick` per underlying —, arrays replace); shapes only,
 * the bounds are {@link checkListingBounds}'s.
 *
 * @example patchListing(LISTING_OFF, { weekly: 2, tick: { ETH: 100 } }, fail)
 */
export function patchListing(base: ListingParams, v: unknown, fail: Fail, field = 'listing'): ListingParams {
  if (!isRecord(v)) throw fail(field, 'must be an object { weekly, monthly, strikesPct, tick }')
  const k = unknownKey(v, ['weekly', 'monthly', 'strikesPct', 'tick'])
  if (k !== undefined) throw fail(`${field}.${k}`, 'unknown field')
  const out: ListingParams = { ...base, strikesPct: [...base.strikesPct], tick: { ...base.tick } }
  if (v.weekly !== undefined) out.weekly = v.weekly as number
  if (v.monthly !== undefined) out.monthly = v.monthly as number
  if (v.strikesPct !== undefined) {
    if (!Array.isArray(v.strikesPct)) throw fail(`${field}.strikesPct`, 'must be an array of numbers')
    out.strikesPct = [...(v.strikesPct as number[])]
  }
  if (v.tick !== undefined) {
    if (!isRecord(v.tick)) throw fail(`${field}.tick`, 'must be an object of underlying → tick')
    for (const u of Object.keys(v.tick).sort()) {
      if (isForbiddenKey(u)) throw fail(`${field}.tick.${u}`, 'forbidden key')
      out.tick[u] = v.tick[u] as number
    }
  }
  return out
}

/**
 * Throws `fail(field, problem)` for the first bound `listing` breaks: `weekly` and `monthly`
 * integers in [0, 8], at most 21 distinct `strikesPct` each in (−1, 5), and a `tick` in (0, 10^12]
 * for underlyings of the market only.
 */
export function checkListingBounds(listing: ListingParams, market: Market, fail: Fail, field = 'listing'): void {
  const B = LISTING_BOUNDS
  checkInterval(listing.weekly, B.weekly, fail, `${field}.weekly`)
  checkInterval(listing.monthly, B.monthly, fail, `${field}.monthly`)
  const pcts = listing.strikesPct
  if (!Array.isArray(pcts)) throw fail(`${field}.strikesPct`, 'must be an array of numbers')
  if (pcts.length > B.maxStrikes) throw fail(`${field}.strikesPct`, `must hold at most ${B.maxStrikes} entries`)
  pcts.forEach((p, i) => checkInterval(p, B.strikesPct, fail, `${field}.strikesPct[${i}]`))
  if (new Set(pcts).size !== pcts.length) throw fail(`${field}.strikesPct`, 'holds a value twice')
  const symbols = new Set(market.underlyings.map((u) => u.symbol))
  for (const u of Object.keys(listing.tick).sort()) {
    if (!symbols.has(u)) throw fail(`${field}.tick.${u}`, 'unknown underlying')
    checkInterval(listing.tick[u], B.tick, fail, `${field}.tick.${u}`)
  }
}
