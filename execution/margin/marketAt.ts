/**
 * The kernel's view of the market at an instant: the governed markets with the oracle's prices,
 * priced into a `MarketState` (risk arrays) — cached, since every margin call in a block sees the
 * same market — and the set of underlyings whose price is stale.
 */

import { wadToNumber } from '../../lib/fixed.ts'
import { buildMarketState, type Market, type MarketState } from '../../risk/index.ts'
import type { PriceFeed } from '../../state/system/priceFeed.ts'
import type { GovernedConfig } from '../../state/system/types.ts'
import { isStale } from '../oracle/isStale.ts'
import { type FundingIndexes, NO_FUNDING } from './funding.ts'

export interface PricedMarket {
  state: MarketState
  market: Market
  /** Symbols of underlyings whose price is older than `maxOracleAge` (or never set). */
  stale: Set<string>
  /** Cumulative funding by perp id (SPEC 6.3): what positions' accrued funding is measured against. */
  funding: FundingIndexes
}

const cache = new Map<string, PricedMarket>()
const CACHE_SIZE = 16
const configIds = new WeakMap<GovernedConfig, number>()
let nextConfigId = 1

function configId(config: GovernedConfig): number {
  let id = configIds.get(config)
  if (id === undefined) {
    id = nextConfigId++
    configIds.set(config, id)
  }
  return id
}

/**
 * Prices the governed market with the oracle readings at `nowSeconds`.
 *
 * @param config the governed configuration (instruments, assets, risk parameters)
 * @param prices oracle readings by underlying id; an underlying without one keeps its genesis
 *   price and counts as stale
 * @param funding cumulative funding by perp id (funding.ts `readFundingIndexes`)
 */
export function marketAt(
  config: GovernedConfig,
  prices: Map<number, PriceFeed>,
  nowSeconds: bigint,
  funding: FundingIndexes = NO_FUNDING,
): PricedMarket {
  const ids = config.market.underlyings.map((u) => u.id).sort((a, b) => a - b)
  const key = `${configId(config)}|${nowSeconds}|${ids
    .map((id) => {
      const p = prices.get(id)
      return p ? `${p.priceWad}:${p.volWad}:${p.timestamp}` : '-'
    })
    .join(',')}`
  // Funding moves no price: the priced market is shared, the indexes ride along.
  const withFunding = (p: PricedMarket): PricedMarket => (funding.size === 0 ? p : { ...p, funding })
  const hit = cache.get(key)
  if (hit) return withFunding(hit)
  const stale = new Set<string>()
  const underlyings = config.market.underlyings.map((u) => {
    const p = prices.get(u.id)
    const set = p !== undefined && p.timestamp > 0n && p.priceWad > 0n
    if (!set || isStale(p.timestamp, nowSeconds, config.riskParams.maxOracleAge)) stale.add(u.symbol)
    return set ? { ...u, price: wadToNumber(p.priceWad), vol: wadToNumber(p.volWad), timestamp: Number(p.timestamp) } : { ...u }
  })
  const market: Market = { ...config.market, underlyings }
  const priced: PricedMarket = {
    state: buildMarketState(market, config.riskParams, Number(nowSeconds)),
    market,
    stale,
    funding: NO_FUNDING,
  }
  cache.set(key, priced)
  if (cache.size > CACHE_SIZE) cache.delete(cache.keys().next().value as string)
  return withFunding(priced)
}
