import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { applyFill } from './applyFill.ts'

const W = 10n ** 18n

describe('applyFill', () => {
  it('averages the entry when adding', () => {
    const a = applyFill(2n * W, 3000n * W, 2n * W, 3100n * W, true)
    expect(a).toEqual({ size: 4n * W, entryPrice: 3050n * W, realizedPnl: 0n })
    const s = applyFill(-1n * W, 2900n * W, -3n * W, 3000n * W, true)
    expect(s).toEqual({ size: -4n * W, entryPrice: 2975n * W, realizedPnl: 0n })
  })

  it('realises P&L when reducing, long and short', () => {
    expect(applyFill(5n * W, 3000n * W, -2n * W, 3100n * W, true)).toEqual({
      size: 3n * W,
      entryPrice: 3000n * W,
      realizedPnl: 200n * W,
    })
    expect(applyFill(-4n * W, 2950n * W, 4n * W, 3000n * W, true)).toEqual({
      size: 0n,
      entryPrice: 0n,
      realizedPnl: -200n * W,
    })
  })

  it('opens the remainder at the fill price when the position flips', () => {
    expect(applyFill(1n * W, 3000n * W, -3n * W, 2800n * W, true)).toEqual({
      size: -2n * W,
      entryPrice: 2800n * W,
      realizedPnl: -200n * W,
    })
  })

  it('never realises for options', () => {
    expect(applyFill(5n * W, 100n * W, -5n * W, 300n * W, false).realizedPnl).toBe(0n)
  })

  it('is zero-sum in size across the two sides of a trade', () => {
    const amount = fc.bigInt({ min: -(10n ** 24n), max: 10n ** 24n })
    const price = fc.bigInt({ min: 1n, max: 10n ** 24n })
    fc.assert(
      fc.property(amount, amount, fc.bigInt({ min: 1n, max: 10n ** 24n }), price, price, price, (a, b, q, ea, eb, p) => {
        const buy = applyFill(a, a === 0n ? 0n : ea, q, p, true)
        const sell = applyFill(b, b === 0n ? 0n : eb, -q, p, true)
        expect(buy.size - a + (sell.size - b)).toBe(0n)
        expect(buy.entryPrice >= 0n && sell.entryPrice >= 0n).toBe(true)
      }),
    )
  })
})
