import type { RiskParams, Scenario } from './types.ts'

/**
 * The scenario list of SPEC section 6, as data: every spot shock × vol shock at weight 1, then
 * the two extremes (±extremeMultiple, vol unchanged) at weight extremeCover. The same list
 * applies to every underlying, scaled by its own `scanRange`. With the dev parameters:
 * 7 × 3 + 2 = 23 scenarios. The kernel's loops read only this list, so a richer set (vol shocks
 * by expiry, more extremes) is a change here, not a rewrite.
 *
 * @example buildScenarios(devRiskParams).length // 23
 */
export function buildScenarios(params: RiskParams): Scenario[] {
  const list: Scenario[] = []
  for (const spotShock of params.spotShocks) {
    for (const volShock of params.volShocks) {
      list.push({ spotShock, volShock, weight: 1, extreme: false })
    }
  }
  for (const sign of [-1, 1]) {
    list.push({
      spotShock: sign * params.extremeMultiple,
      volShock: 0,
      weight: params.extremeCover,
      extreme: true,
    })
  }
  return list
}
