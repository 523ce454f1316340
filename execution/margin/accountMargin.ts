/**
 * Margin of one stored account: its holdings turned into kernel entries and margined as a
 * portfolio, and the SPEC section 4 rule for risk-increasing calls.
 */
import { figureToWad, wadToNumber } from '../../lib/fixed.ts'
import type { Holdings } from '../../state/umaStore.ts'
import type { BookEntry } from '../risk/accountBook.ts'
import { marginPortfolio, type PortfolioMargin } from '../risk/marginPortfolio.ts'
import type { MarketState } from '../risk/marketState.ts'

/** Kernel entries of stored holdings (wad → whole units). Unknown ids are skipped. */
export function holdingsToEntries(h: Holdings, state: MarketState): BookEntry[] {
  const entries: BookEntry[] = []
  for (const b of h.balances) {
    const item = state.itemByAssetId.get(b.assetId)
    if (item !== undefined) entries.push({ item, size: wadToNumber(b.amount) })
  }
  for (const p of h.positions) {
    const item = state.itemByInstrumentId.get(p.instrumentId)
    if (item !== undefined) entries.push({ item, size: wadToNumber(p.size), entryPrice: wadToNumber(p.entryPrice) })
  }
  return entries
}

/** The portfolio margin of stored holdings. */
export function marginOfHoldings(h: Holdings, state: MarketState): PortfolioMargin {
  return marginPortfolio(state, holdingsToEntries(h, state))
}

/** The figures the margin rule compares, in wad (rounded once, lib/fixed's rule). */
export interface MarginFigures {
  equity: bigint
  initialMargin: bigint
  maintenanceMargin: bigint
}

/** @throws ValueOutOfRangeError when a figure is not finite or does not fit an int256. */
export function figuresOf(m: PortfolioMargin): MarginFigures {
  return {
    equity: figureToWad(m.equity, 'equity'),
    initialMargin: figureToWad(m.initialMargin, 'initial margin'),
    maintenanceMargin: figureToWad(m.maintenanceMargin, 'maintenance margin'),
  }
}

/**
 * SPEC section 4: a risk-increasing call stands if afterwards equity ≥ IM, or it strictly lowers
 * MM without lowering equity − MM.
 */
export function passesMarginRule(before: MarginFigures, after: MarginFigures): boolean {
  if (after.equity >= after.initialMargin) return true
  return (
    after.maintenanceMargin < before.maintenanceMargin &&
    after.equity - after.maintenanceMargin >= before.equity - before.maintenanceMargin
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

