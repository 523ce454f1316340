import { bsValue, yearsToExpiry } from './blackScholes.ts'
import type { Asset, Instrument, RiskParams, Scenario } from './types.ts'

/** One priceable thing an account can hold: an instrument or a collateral asset. */
export interface MarketItem {
  type: 'perp' | 'option' | 'asset'
  /** Instrument id or asset id (the two id spaces are separate). */
  id: number
  /** Instrument name or asset symbol. */
  name: string
  /** Index of the underlying in `MarketState.underlyings`, or −1 (fixed-price asset). */
  underlying: number
  instrument?: Instrument
  asset?: Asset
}

/**
 * Value of one unit of `item` at spot `spot`, vol `vol`, time `nowSeconds`: Black–Scholes for
 * options (intrinsic at or after expiry), the spot for perps (their entry price is booked
 * separately) and for assets priced off an underlying, the fixed price otherwise.
 */
export function itemValue(item: MarketItem, spot: number, vol: number, nowSeconds: number, rate: number): number {
  if (item.type === 'option') {
    const i = item.instrument as Instrument
    const t = yearsToExpiry(i.expiry as number, nowSeconds)
    return bsValue(i.kind ?? 'call', spot, i.strike as number, t, vol, rate)
  }
  if (item.underlying >= 0) return spot
  return item.asset?.price ?? 1
}

/** Inputs of {@link buildRiskArrays}, per underlying index. */
export interface RiskArrayInput {
  items: MarketItem[]
  spot: Float64Array
  vol: Float64Array
  scanRange: Float64Array
  scenarios: Scenario[]
  params: RiskParams
  nowSeconds: number
}

/** Per-item marks and risk arrays (row-major, `items × scenarios`). */
export interface RiskArrays {
  /** Value per unit now. */
  mark: Float64Array
  /**
   * `riskArray[i·S + s]` = weight_s × (value of one unit of item i under scenario s of its
   * underlying − its mark). Zero rows for items on no underlying.
   */
  riskArray: Float64Array
}

/**
 * The SPAN step, once per market update: price every item under every scenario of its
 * underlying (items × scenarios option pricings). Re-margining an account is then additions:
 * P&L_u(s) = Σ size × riskArray[item, s].
 */
export function buildRiskArrays(input: RiskArrayInput): RiskArrays {
  const { items, spot, vol, scanRange, scenarios, params, nowSeconds } = input
  const nS = scenarios.length
  const mark = new Float64Array(items.length)
  const riskArray = new Float64Array(items.length * nS)
  const rate = params.riskRate
  for (let i = 0; i < items.length; i++) {
    const item = items[i]
    const u = item.underlying
    const s0 = u >= 0 ? spot[u] : 0
    const v0 = u >= 0 ? vol[u] : 0
    const base = itemValue(item, s0, v0, nowSeconds, rate)
    mark[i] = base
    if (u < 0) continue
    for (let s = 0; s < nS; s++) {
      const sc = scenarios[s]
      const shockedSpot = Math.max(0, s0 * (1 + sc.spotShock * scanRange[u]))
      const shockedVol = Math.max(params.volFloor, v0 * (1 + sc.volShock))
      const value = item.type === 'option' ? itemValue(item, shockedSpot, shockedVol, nowSeconds, rate) : shockedSpot
      riskArray[i * nS + s] = sc.weight * (value - base)
    }
  }
  return { mark, riskArray }
}
