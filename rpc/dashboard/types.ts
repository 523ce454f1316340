/**
 * The JSON the dashboard reads, as SPEC section 5 shapes it (only the fields it shows).
 * Fields that later issues add (funding, lending, interest rates) are optional: the page shows
 * them when the node serves them.
 */

export interface ReportScenario {
  underlying: string
  spotShock: number
  volShock: number
  extreme: boolean
  pnl: string
}

export interface RiskReport {
  equity: string
  initialMargin: string
  maintenanceMargin: string
  health: string
  liquidatable: boolean
  components: { scenarioLoss: string; shortOptionMinimum: string; collateralHaircut: string; expectedShortfall: string }
  greeks: { underlying: string; delta: string; deltaUsd: string; gamma: string; vega: string; theta: string; rho: string }[]
  scenarios: ReportScenario[]
  worstScenario: ReportScenario | null
  liquidationPrices?: { underlying: string; down: string | null; up: string | null }[]
}

/** A `marginHealth` notification: the report at `blockNumber`, and the block's liquidations. */
export interface MarginHealth extends RiskReport {
  blockNumber: string
  address: string
  liquidations: Liquidation[]
}

export interface MarginAccount {
  address: string
  balances: { assetId: number; symbol: string; amount: string; interestRate?: string }[]
  positions: {
    instrumentId: number
    name: string
    size: string
    entryPrice: string
    markPrice: string
    value: string
    fundingAccrued?: string
  }[]
  operators: string[]
  pendingDeposits: { depositId: number; assetId: number; amount: string; status: string }[]
}

export interface Markets {
  underlyings: { id: number; symbol: string; price: string; vol: string; timestamp: number }[]
  assets: { id: number; symbol: string; decimals: number; underlying: string | null; haircut: number }[]
  instruments: {
    id: number
    name: string
    type: 'perp' | 'option'
    underlying: string
    strike?: number
    expiry?: number
    kind?: 'call' | 'put'
    markPrice?: string
    fundingRate?: string
    nextFundingTime?: number
  }[]
}

export interface RiskParams {
  scanRange: Record<string, number>
  maxOracleAge: number
  [key: string]: unknown
}

export interface LendingMarket {
  assetId: number
  symbol: string
  supplied: string
  borrowed: string
  utilization: string
  borrowRate: string
  supplyRate: string
  borrowCap?: string
}

export type Liquidation =
  | {
      type: 'liquidation'
      blockNumber: number
      logIndex: number
      transactionHash: string
      account: string
      kind: 'position' | 'collateral'
      instrumentId?: number
      assetId?: number
      name: string
      sizeClosed: string
      price: string
      penalty: string
    }
  | { type: 'badDebt'; blockNumber: number; logIndex: number; transactionHash: string; account: string; amount: string }

/** The chain head as `newHeads` gives it. */
export interface Head {
  number: number
  timestamp: number
}
