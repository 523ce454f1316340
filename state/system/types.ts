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
}

/** Opening collateral of one account: asset symbol → whole units (wad). */
export type GenesisBalances = Record<string, bigint>

/** The margin part of a parsed genesis. */
export interface MarginGenesis {
  config: GovernedConfig
  /** Opening balances by lower-case account address (the insurance fund included). */
  accounts: Record<Hex, GenesisBalances>
}
