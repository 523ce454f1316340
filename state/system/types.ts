/**
 * The margin sections of the genesis, parsed: the governed configuration (markets, risk
 * parameters, protocols, oracle feeders, council) and the opening balances of accounts.
 */
import type { Hex } from 'viem'
import type { Market, RiskParams } from '../../risk/index.ts'

/** Governance's rules. */
export interface CouncilConfig {
  /** Lower-case addresses that may propose and vote. */
  members: Hex[]
  /** Yes-votes needed. */
  quorum: number
  /** Blocks between reaching quorum and being executable. */
  timelockBlocks: number
}

/** The oracle's feeder set. */
export interface OracleConfig {
  /** Lower-case feeder addresses. */
  feeders: Hex[]
  /** Distinct feeder signatures needed. */
  threshold: number
  /**
   * Largest move of a price or a vol in one update, as a share of the stored figure (0.5 =
   * ±50 %); in (0, 10] (execution/oracle/priceBounds.ts). Dev genesis 0.5.
   */
  maxMove: number
}

/** Perpetual funding (SPEC section 6.3). */
export interface FundingConfig {
  /** Length of a funding interval, seconds; intervals are aligned to unix time. In [60, 86,400]. */
  intervalSeconds: number
  /** Largest rate of one interval, either sign (0.0005 = 5 bp). In [0, 0.05]. */
  maxRate: number
}

/**
 * The option listing schedule (SPEC 6.4): for each underlying with a `tick`, the next `weekly`
 * Friday-08:00-UTC expiries and the next `monthly` last-Friday-of-the-month expiries are kept
 * listed, calls and puts at strikes round(S·(1 + p)) to the tick for p in `strikesPct`.
 * Bounds in genesis/listingBounds.ts.
 */
export interface ListingParams {
  /** Weekly expiries kept listed (0 = none). */
  weekly: number
  /** Monthly expiries kept listed (0 = none). */
  monthly: number
  /** Strikes as moves from the index price (−0.2 = 20 % below). */
  strikesPct: number[]
  /** Strike tick in USD per underlying symbol; underlyings without one are not listed. */
  tick: Record<string, number>
}

/**
 * One asset's lending pool parameters (SPEC 6.2): rates per year as fractions, the cap in whole
 * units of the asset. An asset that is not borrowable never has a negative balance.
 */
export interface LendingParams {
  borrowable: boolean
  /** Borrow rate at 0 utilization. */
  base: number
  /** Rate added from 0 to `kink` utilization. */
  slope1: number
  /** Utilization where the curve steepens, in (0, 1). */
  kink: number
  /** Rate added from `kink` to full utilization. */
  slope2: number
  /** Share of the interest paid that goes to the insurance fund. */
  reserveFactor: number
  /** Most that may be borrowed from the pool, whole units. */
  borrowCap: number
}

/**
 * Everything governance can change, stored as one canonical JSON document in the Governance
 * precompile's storage (state/system/governanceStore.ts), so it is readable and provable at any block.
 */
export interface GovernedConfig {
  /** Instruments, assets and underlyings; the prices in it are the genesis oracle prices. */
  market: Market
  riskParams: RiskParams
  /** Lower-case addresses of protocols allowed to `settleTrade`. */
  protocols: Hex[]
  oracle: OracleConfig
  council: CouncilConfig
  funding: FundingConfig
  /** The option listing schedule (SPEC 6.4). */
  listing: ListingParams
  /**
   * Lending pool parameters by asset symbol (SPEC 6.2). Absent in configurations written before
   * lending: then no asset is borrowable (genesis/lendingParams.ts fills every asset in).
   */
  lending?: Record<string, LendingParams>
}

/**
 * `margin_getRiskParams`: section 6's parameters in force, the risk parameters with the governed
 * schedules beside them (SPEC 5: "with `lending`, `funding`, `listing`").
 */
export type RiskParamsInForce = RiskParams & { listing: ListingParams; lending: Record<string, LendingParams>; funding: FundingConfig }

/** Opening collateral of one account: asset symbol → whole units (wad). */
export type GenesisBalances = Record<string, bigint>

/** The margin part of a parsed genesis. */
export interface MarginGenesis {
  config: GovernedConfig
  /** Opening balances by lower-case account address (the insurance fund included). */
  accounts: Record<Hex, GenesisBalances>
}
