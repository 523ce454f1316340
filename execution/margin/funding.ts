/**
 * Perpetual funding (SPEC section 6.3), all integer wad arithmetic:
 *
 * - every perp fill adds to its open interval's Σ size and Σ size·price (`recordFill`); the
 *   interval's mark is their ratio, the VWAP (the index while it has no fill);
 * - at the start of the first block at or after an interval boundary (intervals aligned to unix
 *   time), `closeFundingIntervals` sets the rate of the interval just ended,
 *   `clamp((VWAP − S)/S · intervalSeconds/28,800, ±maxRate)` (0 with no fill), and adds
 *   `rate · S` to the perp's cumulative funding (USD per unit of size); S is the oracle index at
 *   that block. An interval whose index is stale (or never set) stays open until a fresh one,
 *   as liquidations wait;
 * - a position owes `size · (cumulativeFunding − entryFunding)`. The kernel sees it at once
 *   (accountMargin.ts folds it into the position's entry cost); it is paid when the position
 *   changes (`settleFunding`, from settleFill.ts: trades, liquidations, closes).
 *
 * Payments go through the insurance fund: a payer's debt rounds up and a receiver's credit
 * down (both are ⌈size·Δ/10^18⌉ signed), so Σ balances never changes and the rounding dust
 * stays with the fund. Divisions in the rate and index round toward zero (like Solidity).
 * As dYdX and Hyperliquid do, funding is lazily settled against a per-market index.
 */
import type { StateManagerInterface } from '@ethereumjs/common'
import type { Hex } from 'viem'
import { numberToWad, WAD } from '../../lib/fixed.ts'
import { INSURANCE_FUND_ADDRESS } from '../../state/system/addresses.ts'
import type { PriceFeed } from '../../state/system/priceFeed.ts'
import type { FundingConfig, GovernedConfig } from '../../state/system/types.ts'
import { type PerpFunding, UmaStore } from '../../state/system/umaStore.ts'
import { isStale } from '../oracle/isStale.ts'
import type { MarginEnv } from './types.ts'

/** The period funding rates are quoted over (8 hours, as dYdX and Hyperliquid quote them). */
export const FUNDING_PERIOD_SECONDS = 28_800n

/** Cumulative funding by perp id (wad, USD per unit); a perp not in it has 0. */
export type FundingIndexes = ReadonlyMap<number, bigint>

/** No funding accrued anywhere. */
export const NO_FUNDING: FundingIndexes = new Map()

/** The start of the funding interval holding `timestamp` (both unix seconds). */
export function intervalStartOf(timestamp: bigint, intervalSeconds: number): bigint {
  const i = BigInt(intervalSeconds)
  return (timestamp / i) * i
}

/** The open interval's VWAP (wad), or undefined when it has no fill. */
export function vwapOf(pf: Pick<PerpFunding, 'volume' | 'notional'>): bigint | undefined {
  return pf.volume === 0n ? undefined : (pf.notional * WAD) / pf.volume
}

/**
 * One interval's rate (wad share of the index, signed):
 * `clamp((vwap − index)/index · intervalSeconds/28,800, ±maxRate)`, rounded toward zero.
 *
 * @param vwapWad the interval's VWAP; undefined when it had no fill (rate 0)
 * @param indexWad the oracle index, > 0
 * @example fundingRate(3030n * WAD, 3000n * WAD, { intervalSeconds: 3600, maxRate: 0.05 }) // 1.25e15 (0.125 %)
 */
export function fundingRate(vwapWad: bigint | undefined, indexWad: bigint, funding: FundingConfig): bigint {
  if (vwapWad === undefined || indexWad <= 0n) return 0n
  const raw = ((vwapWad - indexWad) * WAD * BigInt(funding.intervalSeconds)) / (indexWad * FUNDING_PERIOD_SECONDS)
  const cap = numberToWad(funding.maxRate)
  return raw > cap ? cap : raw < -cap ? -cap : raw
}

/** ⌈a / b⌉ for b > 0, any sign of a. */
function ceilDiv(a: bigint, b: bigint): bigint {
  const q = a / b
  return a % b !== 0n && a > 0n ? q + 1n : q
}

/**
 * What a position owes in funding (wad USD; > 0: the account pays, < 0: it receives), rounded
 * up: a payer pays the wei it owes in part, a receiver does not get the wei it is owed in part.
 *
 * @example fundingOwed(2n * WAD, 0n, 3n * WAD / 2n) // 3 USDC: a long of 2 after the index rose 1.5
 */
export function fundingOwed(size: bigint, entryFunding: bigint, cumulativeFunding: bigint): bigint {
  return ceilDiv(size * (cumulativeFunding - entryFunding), WAD)
}

/** One interval closed by {@link closeFundingIntervals}. */
export interface ClosedInterval {
  instrumentId: number
  /** The rate of the interval (wad share of the index). */
  rate: bigint
  /** The index it was closed at (wad). */
  index: bigint
  cumulativeFunding: bigint
}

/**
 * The block-start funding step: closes every perp's funding interval that ended before
 * `timestamp` and had fills, in perp id order. O(perps) storage reads; writes only what closes.
 */
export async function closeFundingIntervals(state: StateManagerInterface, env: MarginEnv, timestamp: bigint): Promise<ClosedInterval[]> {
  const config = await env.config(state)
  const perps = config.market.instruments.filter((i) => i.type === 'perp').sort((a, b) => a.id - b.id)
  if (perps.length === 0) return []
  const store = new UmaStore(state)
  const now = intervalStartOf(timestamp, config.funding.intervalSeconds)
  const open: { id: number; underlying: string; pf: PerpFunding }[] = []
  for (const p of perps) {
    const pf = await store.perpFunding(p.id)
    if (pf.volume !== 0n && pf.intervalStart < now) open.push({ id: p.id, underlying: p.underlying, pf })
  }
  if (open.length === 0) return []
  const prices = await env.prices(
    state,
    config.market.underlyings.map((u) => u.id),
  )
  const closed: ClosedInterval[] = []
  for (const { id, underlying, pf } of open) {
    const index = indexOf(config, prices, underlying, timestamp)
    if (index === undefined) continue
    const rate = fundingRate(vwapOf(pf), index, config.funding)
    const next: PerpFunding = {
      volume: 0n,
      notional: 0n,
      intervalStart: 0n,
      cumulativeFunding: pf.cumulativeFunding + (rate * index) / WAD,
      lastRate: rate,
      lastFundingTime: now,
    }
    await store.setPerpFunding(id, pf, next)
    closed.push({ instrumentId: id, rate, index, cumulativeFunding: next.cumulativeFunding })
  }
  return closed
}

/** The fresh oracle index of `underlying` at `timestamp` (wad), or undefined when stale or unset. */
function indexOf(config: GovernedConfig, prices: Map<number, PriceFeed>, underlying: string, timestamp: bigint): bigint | undefined {
  const u = config.market.underlyings.find((x) => x.symbol === underlying)
  const feed = u === undefined ? undefined : prices.get(u.id)
  if (feed === undefined || feed.priceWad <= 0n || isStale(feed.timestamp, timestamp, config.riskParams.maxOracleAge)) return undefined
  return feed.priceWad
}

/** Adds a fill of `size` (wad, > 0) at `price` to the perp's open interval. */
export async function recordFill(
  store: UmaStore,
  instrumentId: number,
  size: bigint,
  price: bigint,
  timestamp: bigint,
  funding: FundingConfig,
): Promise<void> {
  const pf = await store.perpFunding(instrumentId)
  await store.setPerpFunding(instrumentId, pf, {
    ...pf,
    volume: pf.volume + size,
    notional: pf.notional + (size * price) / WAD,
    intervalStart: pf.volume === 0n ? intervalStartOf(timestamp, funding.intervalSeconds) : pf.intervalStart,
  })
}

/** A `FundingPaid` event's arguments (amount > 0: paid by the account). */
export interface FundingPayment {
  account: Hex
  instrumentId: number
  amount: bigint
}

/**
 * Settles what a perp position of `size` owes up to `cumulativeFunding` into the settlement
 * asset, through the insurance fund. The caller then moves the position and its entry index.
 *
 * @returns the payment (amount 0 when nothing was owed to the wei)
 */
export async function settleFunding(
  store: UmaStore,
  position: { account: Hex; instrumentId: number; size: bigint; entryFunding: bigint },
  cumulativeFunding: bigint,
  settlementAssetId: number,
): Promise<FundingPayment> {
  const { account, instrumentId } = position
  const amount = fundingOwed(position.size, position.entryFunding, cumulativeFunding)
  if (amount !== 0n) {
    await store.addBalance(account, settlementAssetId, -amount)
    await store.addBalance(INSURANCE_FUND_ADDRESS, settlementAssetId, amount)
  }
  return { account, instrumentId, amount }
}

/** Every perp's cumulative funding in `state` (one read per perp; zeros left out). */
export async function readFundingIndexes(store: UmaStore, config: GovernedConfig): Promise<FundingIndexes> {
  const out = new Map<number, bigint>()
  for (const p of config.market.instruments) {
    if (p.type !== 'perp') continue
    const cum = await store.cumulativeFunding(p.id)
    if (cum !== 0n) out.set(p.id, cum)
  }
  return out
}
