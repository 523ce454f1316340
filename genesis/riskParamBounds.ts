/**
 * The bounds of SPEC section 7 on the risk parameters, checked at genesis and at `propose`.
 * `fail(field, problem)` builds the error to throw, so genesis and governance each name the
 * parameter their own way.
 */
import type { Market, RiskParams } from '../execution/risk/types.ts'

type Fail = (field: string, problem: string) => Error

function need(ok: boolean, fail: Fail, field: string, problem: string): void {
  if (!ok) throw fail(field, problem)
}

const isNum = (x: number) => typeof x === 'number' && Number.isFinite(x)

/** Throws `fail(field, problem)` for the first parameter out of its bounds. */
export function checkRiskParamBounds(p: RiskParams, market: Market, fail: Fail): void {
  for (const u of market.underlyings) {
    need(p.scanRange[u.symbol] !== undefined, fail, `scanRange.${u.symbol}`, 'is required for every underlying')
  }
  for (const [k, v] of Object.entries(p.scanRange)) {
    need(isNum(v) && v > 0 && v < 1, fail, `scanRange.${k}`, 'must be in (0, 1)')
  }
  need(p.spotShocks.length > 0, fail, 'spotShocks', 'must not be empty')
  p.spotShocks.forEach((s, i) => need(isNum(s) && s >= -1 && s <= 1, fail, `spotShocks[${i}]`, 'must be within [-1, 1]'))
  need(p.spotShocks.includes(0), fail, 'spotShocks', 'must hold 0')
  need(p.volShocks.length > 0, fail, 'volShocks', 'must not be empty')
  p.volShocks.forEach((s, i) => need(isNum(s) && s > -1 && s < 5, fail, `volShocks[${i}]`, 'must be in (-1, 5)'))
  need(isNum(p.extremeMultiple) && p.extremeMultiple >= 1 && p.extremeMultiple <= 20, fail, 'extremeMultiple', 'must be in [1, 20]')
  need(isNum(p.extremeCover) && p.extremeCover >= 0 && p.extremeCover <= 1, fail, 'extremeCover', 'must be in [0, 1]')
  need(isNum(p.volFloor) && p.volFloor > 0 && p.volFloor < 5, fail, 'volFloor', 'must be in (0, 5)')
  need(isNum(p.shortOptionMinimum) && p.shortOptionMinimum >= 0 && p.shortOptionMinimum <= 1, fail, 'shortOptionMinimum', 'must be in [0, 1]')
  for (const a of market.assets) {
    need(p.haircut[a.symbol] !== undefined, fail, `haircut.${a.symbol}`, 'is required for every asset')
  }
  for (const [k, v] of Object.entries(p.haircut)) {
    need(isNum(v) && v >= 0 && v <= 0.95, fail, `haircut.${k}`, 'must be in [0, 0.95]')
  }
  need(isNum(p.imMultiplier) && p.imMultiplier >= 1 && p.imMultiplier <= 5, fail, 'imMultiplier', 'must be in [1, 5]')
  need(isNum(p.riskRate) && p.riskRate > -1 && p.riskRate < 1, fail, 'riskRate', 'must be in (-1, 1)')
  need(isNum(p.es.confidence) && p.es.confidence > 0.5 && p.es.confidence < 1, fail, 'es.confidence', 'must be in (0.5, 1)')
  need(Number.isSafeInteger(p.es.horizonSeconds) && p.es.horizonSeconds >= 1, fail, 'es.horizonSeconds', 'must be an integer ≥ 1')
  need(Number.isSafeInteger(p.es.paths) && p.es.paths >= 100 && p.es.paths <= 100_000, fail, 'es.paths', 'must be an integer in [100, 100000]')
  for (const [k, v] of Object.entries(p.es.correlation)) {
    need(isNum(v) && v >= -1 && v <= 1, fail, `es.correlation.${k}`, 'must be in [-1, 1]')
  }
  need(Number.isSafeInteger(p.maxOracleAge) && p.maxOracleAge >= 1, fail, 'maxOracleAge', 'must be an integer ≥ 1')
  need(isNum(p.liquidationPenalty) && p.liquidationPenalty >= 0 && p.liquidationPenalty <= 0.5, fail, 'liquidationPenalty', 'must be in [0, 0.5]')
  need(isNum(p.liquidationBuffer) && p.liquidationBuffer >= 0 && p.liquidationBuffer <= 5, fail, 'liquidationBuffer', 'must be in [0, 5]')
}
