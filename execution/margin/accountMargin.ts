/**
 * Margin of one stored account: its holdings turned into kernel entries and margined as a
 * portfolio, and the SPEC section 4 rule for risk-increasing calls.
 */
import { figureToWad, wadToNumber } from '../../lib/fixed.ts'
import {
  type BookEntry,
  lazyMarginFigures,
  type MarginFigureNumbers,
  type MarketState,
  marginFigures,
  marginPortfolio,
  type PortfolioMargin,
} from '../../risk/index.ts'
import type { Holdings } from '../../state/system/umaStore.ts'
import { type FundingIndexes, NO_FUNDING } from './funding.ts'

/**
 * Kernel entries of stored holdings (wad → whole units). Unknown ids are skipped.
 *
 * A perp's accrued funding, `size × (cumulativeFunding − entryFunding)` (SPEC 6.3), is in equity
 * at once as part of its entry cost: the kernel's entry price is `entryPrice + cumulativeFunding
 * − entryFunding` (in wad, then converted), so equity = Σ size × (S − entry) − funding owed, and
 * closing at mark realises both, as the chain does (settleFill.ts).
 *
 * @param funding cumulative funding by perp id (funding.ts `readFundingIndexes`)
 */
export function holdingsToEntries(h: Holdings, state: MarketState, funding: FundingIndexes = NO_FUNDING): BookEntry[] {
  const entries: BookEntry[] = []
  for (const b of h.balances) {
    const item = state.itemByAssetId.get(b.assetId)
    if (item !== undefined) entries.push({ item, size: wadToNumber(b.amount) })
  }
  for (const p of h.positions) {
    const item = state.itemByInstrumentId.get(p.instrumentId)
    if (item === undefined) continue
    const owedPerUnit = (funding.get(p.instrumentId) ?? 0n) - (p.entryFunding ?? 0n)
    entries.push({ item, size: wadToNumber(p.size), entryPrice: wadToNumber(p.entryPrice + owedPerUnit) })
  }
  return entries
}

/** The portfolio margin of stored holdings, funding accrued included. */
export function marginOfHoldings(h: Holdings, state: MarketState, funding: FundingIndexes = NO_FUNDING): PortfolioMargin {
  return marginPortfolio(state, holdingsToEntries(h, state, funding))
}

/**
 * The margin rule's figures of stored holdings, funding accrued included, in wad: the kernel's
 * figures-only entry (no Greeks, no scenario report) on the block's risk arrays and cached ES
 * path P&L — to the wei what `figuresOf(marginOfHoldings(…))` gives.
 */
export function marginFiguresOfHoldings(h: Holdings, state: MarketState, funding: FundingIndexes = NO_FUNDING): MarginFigures {
  return figuresOf(marginFigures(state, holdingsToEntries(h, state, funding)))
}

/** The figures the margin rule compares, in wad (rounded once, lib/fixed's rule). */
export interface MarginFigures {
  equity: bigint
  initialMargin: bigint
  maintenanceMargin: bigint
}

/** @throws ValueOutOfRangeError when a figure is not finite or does not fit an int256. */
export function figuresOf(m: MarginFigureNumbers): MarginFigures {
  return {
    equity: figureToWad(m.equity, 'equity'),
    initialMargin: figureToWad(m.initialMargin, 'initial margin'),
    maintenanceMargin: figureToWad(m.maintenanceMargin, 'maintenance margin'),
  }
}

/** What the rule reads of an account before the call: never its IM (SPEC 4). */
export type FiguresBefore = Pick<MarginFigures, 'equity' | 'maintenanceMargin'>

/** Equity and MM of stored holdings, in wad: an account's figures before a call. */
export function figuresBeforeOfHoldings(h: Holdings, state: MarketState, funding: FundingIndexes = NO_FUNDING): FiguresBefore {
  const f = lazyMarginFigures(state, holdingsToEntries(h, state, funding))
  return { equity: figureToWad(f.equity, 'equity'), maintenanceMargin: figureToWad(f.maintenanceMargin, 'maintenance margin') }
}

/** Whether a float figure's wad fits the rule's comparisons (finite, well inside int256). */
const comparable = (x: number) => Number.isFinite(x) && Math.abs(x) < 1e50

/**
 * SPEC 4's rule for an account whose holdings after the call are `after`: undefined when the
 * call stands, else the account's exact figures after it (for the refusal). IM's expected
 * shortfall — the rule's costliest part — is computed only when equity falls between IM's
 * bounds (`lazyMarginFigures`); outside them the comparison is already decided, to the wei, as
 * with the exact figure, since rounding to wad is monotone.
 */
export function marginRuleRefusal(
  before: FiguresBefore,
  after: Holdings,
  state: MarketState,
  funding: FundingIndexes = NO_FUNDING,
): MarginFigures | undefined {
  const f = lazyMarginFigures(state, holdingsToEntries(after, state, funding))
  const equity = figureToWad(f.equity, 'equity')
  const maintenanceMargin = figureToWad(f.maintenanceMargin, 'maintenance margin')
  if (comparable(f.initialMarginHigh) && equity >= figureToWad(f.initialMarginHigh, 'initial margin')) return undefined
  const exact = { equity, maintenanceMargin, initialMargin: figureToWad(f.initialMargin(), 'initial margin') }
  return passesMarginRule(before, exact) ? undefined : exact
}

/**
 * SPEC section 4: a risk-increasing call stands if afterwards equity ≥ IM, or it strictly lowers
 * MM without lowering equity − MM.
 */
export function passesMarginRule(before: FiguresBefore, after: MarginFigures): boolean {
  if (after.equity >= after.initialMargin) return true
  return (
    after.maintenanceMargin < before.maintenanceMargin && after.equity - after.maintenanceMargin >= before.equity - before.maintenanceMargin
  )
}

/** Symbols of the underlyings a portfolio touches (to refuse calls on stale prices). */
export function underlyingsOf(h: Holdings, state: MarketState): Set<string> {
  const out = new Set<string>()
  const add = (item: number | undefined) => {
    if (item === undefined) return
    const u = state.itemUnderlying[item]
    if (u >= 0) out.add(state.underlyings[u].symbol)
  }
  for (const b of h.balances) add(state.itemByAssetId.get(b.assetId))
  for (const p of h.positions) add(state.itemByInstrumentId.get(p.instrumentId))
  return out
}
