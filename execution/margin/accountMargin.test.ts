import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { devMarket, devRiskParams } from '../../risk/devMarket.ts'
import { buildMarketState } from '../../risk/index.ts'
import type { Holdings } from '../../state/system/umaStore.ts'
import { figuresOf, marginFiguresOfHoldings, marginOfHoldings } from './accountMargin.ts'

const W = 10n ** 18n
const state = buildMarketState(devMarket, devRiskParams, 1_767_225_600)
const assetIds = devMarket.assets.map((a) => a.id)
const instrumentIds = devMarket.instruments.map((i) => i.id)
const wad = fc.bigInt({ min: -1_000_000n * W, max: 1_000_000n * W })

const holdings: fc.Arbitrary<Holdings> = fc.record({
  balances: fc.uniqueArray(fc.record({ assetId: fc.constantFrom(...assetIds), amount: wad }), {
    selector: (b) => b.assetId,
    maxLength: assetIds.length,
  }),
  positions: fc.uniqueArray(
    fc.record({
      instrumentId: fc.constantFrom(...instrumentIds),
      size: fc.bigInt({ min: -1_000n * W, max: 1_000n * W }),
      entryPrice: fc.bigInt({ min: 0n, max: 100_000n * W }),
      entryFunding: fc.bigInt({ min: -10n * W, max: 10n * W }),
    }),
    { selector: (p) => p.instrumentId, maxLength: 10 },
  ),
})

describe('marginFiguresOfHoldings', () => {
  it('gives the margin rule the full report’s figures to the wei (funding accrued included)', () => {
    const funding = new Map([
      [1, 3n * W],
      [2, -W / 7n],
    ])
    fc.assert(
      fc.property(holdings, (h) => {
        expect(marginFiguresOfHoldings(h, state, funding)).toEqual(figuresOf(marginOfHoldings(h, state, funding)))
      }),
      { numRuns: 150 },
    )
  })
})
