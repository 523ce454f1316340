import { describe, expect, it } from 'vitest'
import type { RiskParams } from '../execution/risk/types.ts'
import { devMarket, devRiskParams } from './devMarket.ts'
import { checkRiskParamBounds, describeInterval, inInterval, MAX_SHOCKS, RISK_PARAM_BOUNDS } from './riskParamBounds.ts'

const fail = (field: string, problem: string) => new Error(`${field}: ${problem}`)
const withParams = (patch: (p: RiskParams) => void) => {
  const p = structuredClone(devRiskParams)
  patch(p)
  return () => checkRiskParamBounds(p, devMarket, fail)
}

describe('RISK_PARAM_BOUNDS', () => {
  it('prints intervals as the refusals say them', () => {
    expect(describeInterval(RISK_PARAM_BOUNDS.scanRange)).toBe('in (0, 1)')
    expect(describeInterval(RISK_PARAM_BOUNDS.haircut)).toBe('in [0, 0.95]')
    expect(describeInterval(RISK_PARAM_BOUNDS.maxOracleAge)).toBe('an integer in [1, 3600]')
    expect(inInterval(1.5, RISK_PARAM_BOUNDS['es.paths'])).toBe(false)
    expect(inInterval('1', RISK_PARAM_BOUNDS.imMultiplier)).toBe(false)
    expect(inInterval(Number.POSITIVE_INFINITY, RISK_PARAM_BOUNDS.liquidationBuffer)).toBe(false)
  })

  it('accepts the dev parameters and every bound at its closed edge', () => {
    expect(withParams(() => {})).not.toThrow()
    expect(withParams((p) => {
      p.maxOracleAge = 3600
      p.es.paths = 20_000
      p.es.horizonSeconds = 2_592_000
      p.extremeMultiple = 20
      p.spotShocks = Array.from({ length: MAX_SHOCKS }, (_, i) => (i === 0 ? 0 : 1))
      p.volShocks = Array.from({ length: MAX_SHOCKS }, () => 0)
    })).not.toThrow()
  })
})

describe('checkRiskParamBounds refuses', () => {
  it.each<[string, (p: RiskParams) => void, string]>([
    ['maxOracleAge above an hour', (p) => (p.maxOracleAge = 3601), 'maxOracleAge: must be an integer in [1, 3600]'],
    ['a fractional maxOracleAge', (p) => (p.maxOracleAge = 1.5), 'maxOracleAge: must be an integer in [1, 3600]'],
    ['es.paths above 20,000', (p) => (p.es.paths = 20_001), 'es.paths: must be an integer in [100, 20000]'],
    ['es.horizonSeconds above 30 days', (p) => (p.es.horizonSeconds = 2_592_001), 'es.horizonSeconds: must be an integer in [1, 2592000]'],
    ['es.horizonSeconds of 0', (p) => (p.es.horizonSeconds = 0), 'es.horizonSeconds: must be an integer in [1, 2592000]'],
    ['es.confidence of 1', (p) => (p.es.confidence = 1), 'es.confidence: must be in (0.5, 1)'],
    ['extremeMultiple above 20', (p) => (p.extremeMultiple = 21), 'extremeMultiple: must be in [1, 20]'],
    ['extremeMultiple below 1', (p) => (p.extremeMultiple = 0.5), 'extremeMultiple: must be in [1, 20]'],
    ['65 spotShocks', (p) => (p.spotShocks = Array.from({ length: 65 }, () => 0)), 'spotShocks: must hold at most 64 entries'],
    ['65 volShocks', (p) => (p.volShocks = Array.from({ length: 65 }, () => 0)), 'volShocks: must hold at most 64 entries'],
    ['no volShocks', (p) => (p.volShocks = []), 'volShocks: must not be empty'],
    ['spotShocks without 0', (p) => (p.spotShocks = [-1, 1]), 'spotShocks: must hold 0'],
    ['volFloor of 0', (p) => (p.volFloor = 0), 'volFloor: must be in (0, 5)'],
    ['shortOptionMinimum above 1', (p) => (p.shortOptionMinimum = 1.1), 'shortOptionMinimum: must be in [0, 1]'],
    ['riskRate of 1', (p) => (p.riskRate = 1), 'riskRate: must be in (-1, 1)'],
    ['liquidationPenalty above 0.5', (p) => (p.liquidationPenalty = 0.6), 'liquidationPenalty: must be in [0, 0.5]'],
    ['liquidationBuffer above 5', (p) => (p.liquidationBuffer = 6), 'liquidationBuffer: must be in [0, 5]'],
    ['a scanRange of an unknown underlying', (p) => (p.scanRange.DOGE = 0.1), 'scanRange.DOGE: unknown underlying'],
    ['a missing scanRange', (p) => delete p.scanRange.BTC, 'scanRange.BTC: is required for every underlying'],
    ['a haircut of an unknown asset', (p) => (p.haircut.DOGE = 0.1), 'haircut.DOGE: unknown asset'],
    ['a missing haircut', (p) => delete p.haircut.WBTC, 'haircut.WBTC: is required for every asset'],
    ['a correlation that is not positive definite', (p) => (p.es.correlation['ETH-BTC'] = 1), 'es.correlation: must be positive definite'],
    ['a correlation of an unknown pair', (p) => (p.es.correlation['ETH-DOGE'] = 0.1), 'es.correlation.ETH-DOGE: names no pair'],
  ])('%s', (_, patch, reason) => {
    expect(withParams(patch)).toThrow(reason)
  })

  it('a required name that objects inherit (own keys only: "constructor" is not in scanRange)', () => {
    const market = { ...devMarket, underlyings: [...devMarket.underlyings, { id: 9, symbol: 'constructor', price: 1, vol: 0.5 }] }
    expect(() => checkRiskParamBounds(devRiskParams, market, fail)).toThrow('scanRange.constructor: is required for every underlying')
  })
})
