import { describe, expect, it } from 'vitest'
import { choleskyOfCorrelation } from '../execution/risk/expectedShortfall.ts'
import { buildMarketState } from '../execution/risk/marketState.ts'
import type { Market } from '../execution/risk/types.ts'
import { checkCorrelationBounds, MIN_CHOLESKY_PIVOT } from './correlationBounds.ts'
import { devMarket, devRiskParams } from './devMarket.ts'

const fail = (field: string, problem: string) => new Error(`${field}: ${problem}`)
const check = (c: Record<string, number>, market: Market = devMarket) => () => checkCorrelationBounds(c, market, fail)

describe('checkCorrelationBounds', () => {
  it('accepts the dev matrix, an empty one (identity) and a valid full 3×3', () => {
    expect(check(devRiskParams.es.correlation)).not.toThrow()
    expect(check({})).not.toThrow()
    expect(check({ 'ETH-BTC': 0.8, 'ETH-ETHUSDC-LP': 0.5, 'BTC-ETHUSDC-LP': 0.3, 'ETH-ETH': 1 })).not.toThrow()
    // either order, and both orders when they agree
    expect(check({ 'BTC-ETH': -0.4, 'ETH-BTC': -0.4 })).not.toThrow()
  })

  it('refuses ETH-BTC = 1: singular, so the kernel could not factor it', () => {
    expect(check({ 'ETH-BTC': 1 })).toThrow(
      'es.correlation: must be positive definite over ETH, BTC, ETHUSDC-LP (Cholesky pivot ≤ 1e-9 at BTC)',
    )
    expect(check({ 'ETH-BTC': -1 })).toThrow(/must be positive definite/)
  })

  it('refuses a 3×3 that is not positive definite although every pair is in [-1, 1]', () => {
    const c = { 'ETH-BTC': 0.9, 'ETH-ETHUSDC-LP': 0.9, 'BTC-ETHUSDC-LP': -0.9 }
    expect(check(c)).toThrow('es.correlation: must be positive definite over ETH, BTC, ETHUSDC-LP (Cholesky pivot ≤ 1e-9 at ETHUSDC-LP)')
    // and the kernel agrees it cannot take it
    const state = buildMarketState(devMarket, { ...devRiskParams, es: { ...devRiskParams.es, correlation: c } }, 0)
    expect(() => choleskyOfCorrelation(state)).toThrow(/not positive definite/)
  })

  it('refuses a matrix the kernel could factor only with a pivot at or below 1e-9', () => {
    expect(MIN_CHOLESKY_PIVOT).toBe(1e-9)
    // 1 − ρ² ≈ 2·10^-10 < 10^-9
    expect(check({ 'ETH-BTC': 0.9999999999 })).toThrow(/positive definite/)
    expect(check({ 'ETH-BTC': 0.99999 })).not.toThrow()
  })

  it('refuses entries out of [-1, 1], non-numbers, a diagonal other than 1 and an asymmetric pair', () => {
    expect(check({ 'ETH-BTC': 1.5 })).toThrow('es.correlation.ETH-BTC: must be in [-1, 1]')
    expect(check({ 'ETH-BTC': Number.NaN })).toThrow('es.correlation.ETH-BTC: must be in [-1, 1]')
    expect(check({ 'ETH-ETH': 0.5 })).toThrow('es.correlation.ETH-ETH: must be 1 (an underlying with itself)')
    expect(check({ 'BTC-ETH': 0.5, 'ETH-BTC': 0.6 })).toThrow('es.correlation.ETH-BTC: must equal BTC-ETH (the matrix is symmetric)')
  })

  it('refuses keys that name no pair of the market, or more than one', () => {
    expect(check({ 'ETH-DOGE': 0.1 })).toThrow('es.correlation.ETH-DOGE: names no pair of underlyings of the market (as "ETH-BTC")')
    expect(check({ ETHBTC: 0.1 })).toThrow(/ETHBTC: names no pair/)
    const market: Market = {
      ...devMarket,
      underlyings: [
        { id: 1, symbol: 'A', price: 1, vol: 0.5 },
        { id: 2, symbol: 'B-C', price: 1, vol: 0.5 },
        { id: 3, symbol: 'A-B', price: 1, vol: 0.5 },
        { id: 4, symbol: 'C', price: 1, vol: 0.5 },
      ],
    }
    expect(check({ 'A-B-C': 0.1 }, market)).toThrow('es.correlation.A-B-C: is ambiguous: it spells more than one pair of underlyings')
    expect(check({ 'A-C': 0.1, 'B-C-A-B': 0.2 }, market)).not.toThrow()
  })
})
