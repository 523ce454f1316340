import { numberToWad } from '../lib/fixed.ts'

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
export function marginWad(m: { equity: number; initialMargin: number; maintenanceMargin: number }): MarginWad {
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
