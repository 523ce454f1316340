import { describe, expect, it } from 'vitest'
import { devMarket, devRiskParams } from './devMarket.ts'
import { InvalidPortfolioError } from './errors.ts'
import { buildMarketState } from './marketState.ts'
import { PORTFOLIO_LIMITS, resolvePortfolio } from './portfolio.ts'
import { simulateMargin } from './simulateMargin.ts'

const T0 = 1_767_225_600
const option = (strike: number) => ({ type: 'option', underlying: 'ETH', strike, expiry: T0 + 30 * 86400, kind: 'call' })

function refusal(portfolio: unknown): InvalidPortfolioError {
  try {
    resolvePortfolio(portfolio, devMarket)
  } catch (err) {
    expect(err).toBeInstanceOf(InvalidPortfolioError)
    return err as InvalidPortfolioError
  }
  throw new Error('expected InvalidPortfolioError')
}

describe('resolvePortfolio limits', () => {
  it('takes a portfolio at every limit', () => {
    const positions = Array.from({ length: PORTFOLIO_LIMITS.positions }, (_, i) => ({
      instrument: i < PORTFOLIO_LIMITS.inlineOptions ? option(1000 + i) : 'ETH-PERP',
      size: '1',
    }))
    const balances = Array.from({ length: PORTFOLIO_LIMITS.balances }, () => ({ asset: 'USDC', amount: '1' }))
    const r = resolvePortfolio({ balances, positions }, devMarket)
    expect(r.positions).toHaveLength(256)
    expect(r.market.instruments).toHaveLength(devMarket.instruments.length + 64)
  })

  it('refuses one more of anything, naming the field and the limit', () => {
    const many = (n: number, make: (i: number) => unknown) => Array.from({ length: n }, (_, i) => make(i))
    expect(refusal({ positions: many(20_000, () => ({ instrument: 'ETH-PERP', size: '1' })) })).toMatchObject({
      field: 'positions',
      message: 'positions: too many: 20000, the limit is 256',
    })
    expect(refusal({ balances: many(65, () => ({ asset: 'USDC', amount: '1' })) }).message).toBe('balances: too many: 65, the limit is 64')
    const inline = refusal({ positions: many(65, (i) => ({ instrument: option(1000 + i), size: '1' })) })
    expect(inline.field).toBe('positions[64].instrument')
    expect(inline.message).toMatch(/too many distinct inline options, the limit is 64$/)
  })

  it('counts an inline option named twice, or a listed one, once or not at all', () => {
    const listed = devMarket.instruments.find((i) => i.type === 'option')!
    const same = { type: 'option', underlying: listed.underlying, strike: listed.strike, expiry: listed.expiry, kind: listed.kind }
    const positions = [
      ...Array.from({ length: 64 }, (_, i) => ({ instrument: option(1000 + i), size: '1' })),
      ...Array.from({ length: 100 }, () => ({ instrument: option(1000), size: '1' })),
      { instrument: same, size: '1' },
    ]
    expect(resolvePortfolio({ positions }, devMarket).positions).toHaveLength(165)
  })
})

describe('simulateMargin with a priced state', () => {
  it('reuses it when no inline option extends the market, with the same report', () => {
    const portfolio = { balances: [{ asset: 'USDC', amount: '10000' }], positions: [{ instrument: 'ETH-PERP', size: '-2' }] }
    const state = buildMarketState(devMarket, devRiskParams, T0)
    expect(simulateMargin(devMarket, devRiskParams, T0, portfolio, state)).toEqual(simulateMargin(devMarket, devRiskParams, T0, portfolio))
    const inline = { positions: [{ instrument: option(2900), size: '1' }] }
    expect(simulateMargin(devMarket, devRiskParams, T0, inline, state)).toEqual(simulateMargin(devMarket, devRiskParams, T0, inline))
  })
})
