import { formatAmount, formatWad, numberToWad } from '../../lib/fixed.ts'
import type { LiquidationPrice } from './liquidationPrices.ts'
import type { PortfolioMargin, ScenarioPnl } from './marginPortfolio.ts'

/** A scenario line of the report; `pnl` a decimal string. */
export interface ReportScenario {
  underlying: string
  spotShock: number
  volShock: number
  extreme: boolean
  pnl: string
}

/**
 * `margin_getRiskReport` / `margin_simulate` result (SPEC section 5). Every amount (and every
 * Greek) is a decimal string in whole units, rounded by lib/fixed's one rule; shocks are
 * fractions as in the params.
 */
export interface RiskReport {
  equity: string
  initialMargin: string
  maintenanceMargin: string
  health: string
  liquidatable: boolean
  components: {
    scenarioLoss: string
    shortOptionMinimum: string
    collateralHaircut: string
    expectedShortfall: string
  }
  greeks: Array<{
    underlying: string
    delta: string
    deltaUsd: string
    gamma: string
    vega: string
    theta: string
    rho: string
  }>
  scenarios: ReportScenario[]
  worstScenario: ReportScenario | null
  /** Per underlying touched: the nearest spots below/above today's where health reaches 0. */
  liquidationPrices: Array<{ underlying: string; down: string | null; up: string | null }>
}

/** The figures the chain stores and `IRiskKernel.marginOf` returns, in wad. */
export interface MarginWad {
  equityWad: bigint
  initialMarginWad: bigint
  maintenanceMarginWad: bigint
  /** equityWad − maintenanceMarginWad. */
  healthWad: bigint
  /** healthWad < 0. */
  liquidatable: boolean
}

/**
 * Rounds kernel figures to wad with lib/fixed's one rule — what precompiles and state use, so
 * on-chain integers and report strings always agree.
 *
 * @example marginWad(marginPortfolio(state, entries)).maintenanceMarginWad
 */
export function marginWad(m: {
  equity: number
  initialMargin: number
  maintenanceMargin: number
}): MarginWad {
  const equityWad = numberToWad(m.equity)
  const maintenanceMarginWad = numberToWad(m.maintenanceMargin)
  const healthWad = equityWad - maintenanceMarginWad
  return {
    equityWad,
    initialMarginWad: numberToWad(m.initialMargin),
    maintenanceMarginWad,
    healthWad,
    liquidatable: healthWad < 0n,
  }
}

function scenarioLine(s: ScenarioPnl): ReportScenario {
  return { ...s, pnl: formatAmount(s.pnl) }
}

/**
 * Formats a {@link PortfolioMargin} and its liquidation prices (`liquidationPrices.ts`, report
 * only) as the JSON-RPC report. `health` is wad(equity) − wad(MM), so it is exactly the
 * difference of the two strings shown.
 */
export function buildRiskReport(m: PortfolioMargin, liquidationPrices: LiquidationPrice[]): RiskReport {
  const scenarios = m.scenarios.map(scenarioLine)
  const wad = marginWad(m)
  return {
    equity: formatWad(wad.equityWad),
    initialMargin: formatWad(wad.initialMarginWad),
    maintenanceMargin: formatWad(wad.maintenanceMarginWad),
    health: formatWad(wad.healthWad),
    liquidatable: wad.liquidatable,
    components: {
      scenarioLoss: formatAmount(m.scenarioLoss),
      shortOptionMinimum: formatAmount(m.shortOptionMinimum),
      collateralHaircut: formatAmount(m.collateralHaircut),
      expectedShortfall: formatAmount(m.expectedShortfall),
    },
    greeks: m.greeks.map((g) => ({
      underlying: g.underlying,
      delta: formatAmount(g.delta),
      deltaUsd: formatAmount(g.deltaUsd),
      gamma: formatAmount(g.gamma),
      vega: formatAmount(g.vega),
      theta: formatAmount(g.theta),
      rho: formatAmount(g.rho),
    })),
    scenarios,
    worstScenario: m.worstScenario ? scenarioLine(m.worstScenario) : null,
    liquidationPrices: liquidationPrices.map((l) => ({
      underlying: l.underlying,
      down: l.down === null ? null : formatAmount(l.down),
      up: l.up === null ? null : formatAmount(l.up),
    })),
  }
}
