/**
 * Plain data of the risk kernel: markets and the governed risk parameters (SPEC section 6).
 * Genesis, state and RPC import these types; nothing here has behaviour.
 *
 * Units: prices in USD per whole unit, vols as annualised fractions (0.6 = 60%), times in unix
 * seconds, sizes and amounts in whole units (floats inside the kernel; wad on chain).
 */

/** An oracle feed the kernel prices off: a spot price and an implied vol. */
export interface Underlying {
  /** Oracle id (`IOracle.priceOf(underlyingId)`). */
  id: number
  /** `ETH`, `BTC`, … */
  symbol: string
  /** USD per unit. */
  price: number
  /** Annualised implied vol (0.6 = 60%). */
  vol: number
  /** Unix seconds of the last oracle update (not used by the pure kernel). */
  timestamp?: number
}

/** A collateral asset. Priced 1:1 off `underlying` (WETH = ETH) or at a fixed `price`. */
export interface Asset {
  id: number
  /** `USDC`, `WETH`, … — also the key of `RiskParams.haircut`. */
  symbol: string
  /** Decimals of the L1 token (the chain itself always uses 18). */
  decimals: number
  /** Symbol of the underlying whose price is this asset's price, or `null` for a fixed price. */
  underlying: string | null
  /** USD price when `underlying` is null (USDC: 1). */
  price?: number
}

/** `call` or `put`. */
export type OptionKind = 'call' | 'put'

/** A tradable instrument: a perpetual future or a European option. */
export interface Instrument {
  id: number
  /** `ETH-PERP`, `ETH-20261231-3000-C`. */
  name: string
  type: 'perp' | 'option'
  /** Symbol of the underlying. */
  underlying: string
  /** Options only: strike in USD. */
  strike?: number
  /** Options only: expiry in unix seconds. */
  expiry?: number
  /** Options only. */
  kind?: OptionKind
}

/** Everything the kernel needs to price: underlyings, collateral assets, instruments. */
export interface Market {
  underlyings: Underlying[]
  assets: Asset[]
  instruments: Instrument[]
}

/** Expected-shortfall settings (`es` in SPEC section 6). */
export interface EsParams {
  enabled: boolean
  /** e.g. 0.975: ES is the mean of the worst (1 − confidence) share of losses. */
  confidence: number
  /** Length of the one-horizon move. */
  horizonSeconds: number
  /** Number of simulated joint moves. */
  paths: number
  /** Pairwise correlations keyed `"ETH-BTC"` (either order); missing pairs are 0. */
  correlation: Record<string, number>
}

/** The governed risk parameters, named as `margin_getRiskParams` returns them. */
export interface RiskParams {
  /** Spot move of the outermost scenario, per underlying symbol (0.15 = ±15%). */
  scanRange: Record<string, number>
  /** Fractions of scanRange; must hold 0. */
  spotShocks: number[]
  /** Relative vol moves (−0.3 = vol × 0.7). */
  volShocks: number[]
  /** Extreme spot move in multiples of scanRange (vol unchanged). */
  extremeMultiple: number
  /** Share of the extreme scenarios' P&L that counts. */
  extremeCover: number
  /** Lowest vol after a shock. */
  volFloor: number
  /** Per unit of short option, × spot. */
  shortOptionMinimum: number
  /** Per collateral asset symbol, applied to positive balances. */
  haircut: Record<string, number>
  /** Initial / maintenance. */
  imMultiplier: number
  /** r in option pricing (continuously compounded, per year). */
  riskRate: number
  es: EsParams
  /** Seconds before a price is stale (used by the node, not the pure kernel). */
  maxOracleAge: number
  /** Share of closed notional paid to the insurance fund. */
  liquidationPenalty: number
  /** Liquidation target: E ≥ MM·(1 + liquidationBuffer). */
  liquidationBuffer: number
}

/** One scenario of the scan: a spot shock (fraction of scanRange), a vol shock and a weight. */
export interface Scenario {
  /** Fraction of `scanRange[u]` (±extremeMultiple for the extremes). */
  spotShock: number
  /** Relative vol move. */
  volShock: number
  /** Share of the P&L that counts (1, or extremeCover for the extremes). */
  weight: number
  extreme: boolean
}
