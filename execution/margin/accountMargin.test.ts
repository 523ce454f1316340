import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { buildMarketState, devMarket, devRiskParams } from '../../risk/index.ts'
import type { Holdings } from '../../state/system/umaStore.ts'
import {
  figuresBeforeOfHoldings,
  figuresOf,
  marginFiguresOfHoldings,
  marginOfHoldings,
  marginRuleRefusal,
  passesMarginRule,
} from './accountMargin.ts'

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

describe('marginRuleRefusal (IM bounded, ES only when it decides)', () => {
  const exactDecision = (before: Holdings, after: Holdings) =>
    passesMarginRule(figuresOf(marginOfHoldings(before, state)), figuresOf(marginOfHoldings(after, state)))
  const lazyDecision = (before: Holdings, after: Holdings) =>
    marginRuleRefusal(figuresBeforeOfHoldings(before, state), after, state) === undefined

  it('decides as the rule on the exact figures, for any holdings before and after', () => {
    fc.assert(
      fc.property(holdings, holdings, (before, after) => {
        expect(lazyDecision(before, after)).toBe(exactDecision(before, after))
      }),
      { numRuns: 150 },
    )
  })

  it('decides as the exact rule when equity sits at IM to within a few wei, either side', () => {
    fc.assert(
      fc.property(holdings, fc.bigInt({ min: -3n, max: 3n }), (h, offset) => {
        const withoutUsdc = { ...h, balances: h.balances.filter((b) => b.assetId !== 1) }
        const exact = figuresOf(marginOfHoldings(withoutUsdc, state))
        // USDC counts 1:1 in equity and in nothing else (no haircut): set it so E ≈ IM.
        const usdc = exact.initialMargin - exact.equity + offset
        const at = { ...withoutUsdc, balances: [...withoutUsdc.balances, { assetId: 1, amount: usdc }] }
        const refused = marginRuleRefusal(figuresBeforeOfHoldings(withoutUsdc, state), at, state)
        expect(refused === undefined).toBe(exactDecision(withoutUsdc, at))
        if (refused) expect(refused).toEqual(figuresOf(marginOfHoldings(at, state)))
      }),
      { numRuns: 150 },
    )
  })
})
