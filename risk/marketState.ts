import { InvalidMarketError } from './errors.ts'
import { buildRiskArrays, type MarketItem } from './riskArray.ts'
import { buildScenarios } from './scenarios.ts'
import type { Instrument, Market, RiskParams, Scenario, Underlying } from './types.ts'

/**
 * A market priced for the kernel at one instant: items (instruments then assets, each sorted by
 * id, so indexes never depend on input order), per-item marks, margin coefficients and risk
 * arrays. Built once per market update; every account of the block is margined against it.
 */
export interface MarketState {
  market: Market
  params: RiskParams
  nowSeconds: number
  scenarios: Scenario[]
  /** `scenarios.length`. */
  scenarioCount: number
  /** `underlyings.length`. */
  underlyingCount: number
  /** Sorted by id. */
  underlyings: Underlying[]
  spot: Float64Array
  vol: Float64Array
  scanRange: Float64Array
  /** Instruments (by id) then assets (by id). */
  items: MarketItem[]
  instrumentCount: number
  itemUnderlying: Int32Array
  /** Value per unit now. */
  itemMark: Float64Array
  /** MM per unit of a positive size: haircut × price (assets), else 0. */
  itemLongCharge: Float64Array
  /** MM per unit of a negative size: shortOptionMinimum × spot (options), else 0. */
  itemShortCharge: Float64Array
  /** `items × scenarios`, see {@link buildRiskArrays}. */
  riskArray: Float64Array
  /** Lookups (never iterated). */
  underlyingBySymbol: Map<string, number>
  itemByInstrumentId: Map<number, number>
  itemByAssetId: Map<number, number>
  itemByName: Map<string, number>
}

function finitePositive(x: unknown): x is number {
  return typeof x === 'number' && Number.isFinite(x) && x > 0
}

/**
 * Prices `market` under `params` at `nowSeconds` (unix): validates it, orders it, builds the
 * scenario list and every item's risk array.
 *
 * @example const state = buildMarketState(devMarket, devRiskParams, 1767225600)
 */
export function buildMarketState(market: Market, params: RiskParams, nowSeconds: number): MarketState {
  if (!Number.isFinite(nowSeconds)) {
    throw new InvalidMarketError({ field: 'time', reason: 'not a finite unix time' })
  }
  const underlyings = [...market.underlyings].sort((a, b) => a.id - b.id)
  const underlyingBySymbol = new Map<string, number>()
  const spot = new Float64Array(underlyings.length)
  const vol = new Float64Array(underlyings.length)
  const scanRange = new Float64Array(underlyings.length)
  underlyings.forEach((u, i) => {
    if (!finitePositive(u.price)) {
      throw new InvalidMarketError({ field: `underlyings.${u.symbol}.price`, reason: 'must be > 0' })
    }
    if (!finitePositive(u.vol)) {
      throw new InvalidMarketError({ field: `underlyings.${u.symbol}.vol`, reason: 'must be > 0' })
    }
    const range = params.scanRange[u.symbol]
    if (!finitePositive(range) || range >= 1) {
      throw new InvalidMarketError({
        field: `params.scanRange.${u.symbol}`,
        reason: 'every underlying needs a scan range in (0, 1)',
      })
    }
    underlyingBySymbol.set(u.symbol, i)
    spot[i] = u.price
    vol[i] = u.vol
    scanRange[i] = range
  })
  const underlyingOf = (symbol: string, field: string): number => {
    const u = underlyingBySymbol.get(symbol)
    if (u === undefined) throw new InvalidMarketError({ field, reason: `unknown underlying "${symbol}"` })
    return u
  }

  const items: MarketItem[] = []
  const instruments = [...market.instruments].sort((a, b) => a.id - b.id)
  for (const i of instruments) {
    const field = `instruments.${i.name}`
    const u = underlyingOf(i.underlying, `${field}.underlying`)
    if (i.type === 'option') checkOption(i, field)
    else if (i.type !== 'perp') throw new InvalidMarketError({ field: `${field}.type`, reason: 'perp or option' })
    items.push({ type: i.type, id: i.id, name: i.name, underlying: u, instrument: i })
  }
  const instrumentCount = items.length
  for (const a of [...market.assets].sort((x, y) => x.id - y.id)) {
    const u = a.underlying === null ? -1 : underlyingOf(a.underlying, `assets.${a.symbol}.underlying`)
    if (u < 0 && !finitePositive(a.price ?? 1)) {
      throw new InvalidMarketError({ field: `assets.${a.symbol}.price`, reason: 'must be > 0' })
    }
    items.push({ type: 'asset', id: a.id, name: a.symbol, underlying: u, asset: a })
  }

  const scenarios = buildScenarios(params)
  const { mark, riskArray } = buildRiskArrays({ items, spot, vol, scanRange, scenarios, params, nowSeconds })
  const itemUnderlying = new Int32Array(items.length)
  const itemLongCharge = new Float64Array(items.length)
  const itemShortCharge = new Float64Array(items.length)
  const itemByInstrumentId = new Map<number, number>()
  const itemByAssetId = new Map<number, number>()
  const itemByName = new Map<string, number>()
  items.forEach((item, i) => {
    itemUnderlying[i] = item.underlying
    itemByName.set(item.name, i)
    if (item.type === 'asset') {
      itemByAssetId.set(item.id, i)
      itemLongCharge[i] = (params.haircut[item.name] ?? 0) * mark[i]
    } else {
      itemByInstrumentId.set(item.id, i)
      if (item.type === 'option') itemShortCharge[i] = params.shortOptionMinimum * spot[item.underlying]
    }
  })
  return {
    market,
    params,
    nowSeconds,
    scenarios,
    scenarioCount: scenarios.length,
    underlyingCount: underlyings.length,
    underlyings,
    spot,
    vol,
    scanRange,
    items,
    instrumentCount,
    itemUnderlying,
    itemMark: mark,
    itemLongCharge,
    itemShortCharge,
    riskArray,
    underlyingBySymbol,
    itemByInstrumentId,
    itemByAssetId,
    itemByName,
  }
}

function checkOption(i: Instrument, field: string) {
  if (!finitePositive(i.strike)) throw new InvalidMarketError({ field: `${field}.strike`, reason: 'must be > 0' })
  if (typeof i.expiry !== 'number' || !Number.isFinite(i.expiry)) {
    throw new InvalidMarketError({ field: `${field}.expiry`, reason: 'unix seconds' })
  }
  if (i.kind !== 'call' && i.kind !== 'put') {
    throw new InvalidMarketError({ field: `${field}.kind`, reason: 'call or put' })
  }
}
