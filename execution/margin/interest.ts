/**
 * Interest (SPEC 6.2): the kinked utilization curve and the accrual that moves each pool's
 * indexes once per block, at its start, over the seconds elapsed. Compound's per-block simple
 * interest on the borrow index; what borrowers are charged goes to suppliers through the supply
 * index, less the reserve share, which the insurance fund is credited as a supplier, together
 * with the rounding dust. Integer wad/ray math only: no float reaches state.
 */

import { lendingParamsOf } from '../../genesis/lendingParams.ts'
import { ceilDiv, floorDiv, numberToWad, WAD } from '../../lib/fixed.ts'
import { INSURANCE_FUND_ADDRESS } from '../../state/system/addresses.ts'
import { borrowedOf, type Pool, suppliedOf, supplyIndexAfter } from '../../state/system/lendingPools.ts'
import type { GovernedConfig, LendingParams } from '../../state/system/types.ts'
import type { UmaStore } from '../../state/system/umaStore.ts'

/** Seconds in the year the rates are quoted per (SPEC 6.2: dt / 31,536,000). */
export const SECONDS_PER_YEAR = 31_536_000n

/** A pool's curve in wad (rates per year, fractions). */
export interface RateCurve {
  base: bigint
  slope1: bigint
  kink: bigint
  slope2: bigint
  reserveFactor: bigint
}

export function rateCurve(p: LendingParams): RateCurve {
  return {
    base: numberToWad(p.base),
    slope1: numberToWad(p.slope1),
    kink: numberToWad(p.kink),
    slope2: numberToWad(p.slope2),
    reserveFactor: numberToWad(p.reserveFactor),
  }
}

/** borrowed / supplied in wad, at most 1 (0 with nothing borrowed). */
export function utilization(supplied: bigint, borrowed: bigint): bigint {
  if (borrowed <= 0n) return 0n
  if (supplied <= borrowed) return WAD
  return floorDiv(borrowed * WAD, supplied)
}

/** base + slope1·min(U, kink)/kink + slope2·max(0, U − kink)/(1 − kink), per year, wad. */
export function borrowRate(c: RateCurve, u: bigint): bigint {
  const below = u < c.kink ? u : c.kink
  let rate = c.base + floorDiv(c.slope1 * below, c.kink)
  if (u > c.kink) rate += floorDiv(c.slope2 * (u - c.kink), WAD - c.kink)
  return rate
}

/** borrowRate·U·(1 − reserveFactor), per year, wad. */
export function supplyRate(c: RateCurve, u: bigint): bigint {
  return floorDiv(floorDiv(borrowRate(c, u) * u, WAD) * (WAD - c.reserveFactor), WAD)
}

/** What one pool's accrual did, wad. */
export interface Accrual {
  assetId: number
  /** Interest added to the borrowers' debts. */
  charged: bigint
  /** Credited to the insurance fund: the reserve share and the rounding dust. */
  toFund: bigint
}

/**
 * Accrues every pool of `config`'s assets to `timestamp`, in asset id order. Returns the pools
 * whose indexes moved.
 */
export async function accrueInterest(store: UmaStore, config: GovernedConfig, timestamp: bigint): Promise<Accrual[]> {
  const out: Accrual[] = []
  const assets = [...config.market.assets].sort((a, b) => a.id - b.id)
  for (const asset of assets) {
    const pool = await store.pool(asset.id)
    if (pool === undefined || timestamp <= pool.lastAccrual) continue
    const params = config.lending?.[asset.symbol]
    const accrual = params === undefined ? undefined : accrue(pool, rateCurve(params), timestamp - pool.lastAccrual)
    await store.setPool(asset.id, { ...(accrual?.pool ?? pool), lastAccrual: timestamp })
    if (accrual === undefined || accrual.charged === 0n) continue
    if (accrual.toFund > 0n) await store.addBalance(INSURANCE_FUND_ADDRESS, asset.id, accrual.toFund)
    out.push({ assetId: asset.id, charged: accrual.charged, toFund: accrual.toFund })
  }
  return out
}

/** One pool over `dt` seconds: its new indexes, what was charged and what the fund gets. */
export function accrue(pool: Pool, curve: RateCurve, dt: bigint): { pool: Pool; charged: bigint; toFund: bigint } | undefined {
  const borrowed = borrowedOf(pool)
  if (borrowed === 0n || dt <= 0n) return undefined
  const supplied = suppliedOf(pool)
  const rate = borrowRate(curve, utilization(supplied, borrowed))
  const borrowIndex = pool.borrowIndex + ceilDiv(pool.borrowIndex * rate * dt, WAD * SECONDS_PER_YEAR)
  const next: Pool = { ...pool, borrowIndex }
  const charged = borrowedOf(next) - borrowed
  const reserve = floorDiv(charged * curve.reserveFactor, WAD)
  next.supplyIndex = supplyIndexAfter(pool, charged - reserve)
  // What suppliers' balances rose by, rounded down; the fund takes the rest of the charge.
  const toFund = charged - (suppliedOf(next) - supplied)
  return { pool: next, charged, toFund }
}

/** One pool as `margin_getLendingMarkets` and `Margin.lendingMarket` show it, wad. */
export interface LendingMarket {
  assetId: number
  symbol: string
  borrowable: boolean
  supplied: bigint
  borrowed: bigint
  cash: bigint
  utilization: bigint
  /** Per year. */
  borrowRate: bigint
  /** Per year. */
  supplyRate: bigint
  borrowCap: bigint
  reserveFactor: bigint
}

/** Every pooled asset of `config`'s market, in asset id order, at the store's state. */
export async function lendingMarkets(store: UmaStore, config: GovernedConfig): Promise<LendingMarket[]> {
  const out: LendingMarket[] = []
  for (const asset of [...config.market.assets].sort((a, b) => a.id - b.id)) {
    const pool = await store.pool(asset.id)
    if (pool === undefined) continue
    const params = lendingParamsOf(config.lending, asset.symbol)
    const curve = rateCurve(params)
    const supplied = suppliedOf(pool)
    const borrowed = borrowedOf(pool)
    const u = utilization(supplied, borrowed)
    out.push({
      assetId: asset.id,
      symbol: asset.symbol,
      borrowable: params.borrowable,
      supplied,
      borrowed,
      cash: supplied - borrowed,
      utilization: u,
      borrowRate: borrowRate(curve, u),
      supplyRate: supplyRate(curve, u),
      borrowCap: numberToWad(params.borrowCap),
      reserveFactor: curve.reserveFactor,
    })
  }
  return out
}
