import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { type BookEntry, createAccountBook } from './accountBook.ts'
import { AccountBookWriter } from './accountBookWriter.ts'
import { devMarket, devRiskParams } from './devMarket.ts'
import { createMarginOutputs, type MarginOutputs, marginAccounts } from './marginAccounts.ts'
import { buildMarketState } from './marketState.ts'

const NOW = 1_767_225_600
const state = buildMarketState(devMarket, devRiskParams, NOW)
const nItems = state.items.length

const entry = fc.record({
  item: fc.integer({ min: 0, max: nItems - 1 }),
  size: fc.integer({ min: -2000, max: 2000 }).map((k) => k / 100),
  entryPrice: fc.integer({ min: 1, max: 70_000 }),
})
// Duplicate items are allowed: canonicalizeEntries merges them.
const entries = fc.array(entry, { maxLength: 8 })

/** One change: account `slot` (mod accounts + 1, so a new account now and then) gets `entries`. */
const change = fc.record({ slot: fc.nat(), entries })

function margins(book: ReturnType<typeof createAccountBook>): MarginOutputs {
  const out = createMarginOutputs(book.count)
  marginAccounts(state, book, out)
  return out
}

function expectSame(got: MarginOutputs, want: MarginOutputs, count: number): void {
  for (const k of Object.keys(want) as (keyof MarginOutputs)[]) {
    for (let a = 0; a < count; a++) {
      if (!Object.is(got[k][a], want[k][a])) {
        throw new Error(`${k}[${a}]: ${got[k][a]} !== ${want[k][a]}`)
      }
    }
  }
}

describe('AccountBookWriter', () => {
  it('after any changes (in place, moved, appended, compacted) margins exactly as a fresh book', () => {
    fc.assert(
      fc.property(
        fc.array(entries, { maxLength: 6 }),
        fc.array(fc.array(change, { maxLength: 6 }), { maxLength: 8 }),
        fc.integer({ min: 0, max: 40 }),
        (initial, batches, minGarbage) => {
          const accounts: BookEntry[][] = initial.map((e) => [...e])
          const writer = AccountBookWriter.create(accounts, state, { minGarbage })
          for (const batch of batches) {
            for (const c of batch) {
              const a = c.slot % (accounts.length + 1)
              accounts[a] = c.entries
              writer.setAccount(a, c.entries, state)
            }
            writer.compactIfSparse()
            const book = writer.book
            expect(book.count).toBe(accounts.length)
            let live = 0
            for (let a = 0; a < book.count; a++) {
              live += book.ends[a] - book.starts[a]
              expect(book.ends[a]).toBeLessThanOrEqual(writer.usedEntries)
            }
            expect(writer.liveEntries).toBe(live)
            const fresh = createAccountBook(accounts, state)
            expectSame(margins(book), margins(fresh), accounts.length)
            for (let a = 0; a < book.count; a++) {
              expect(book.underlyingMask[a]).toBe(fresh.underlyingMask[a])
              expect(book.riskClassMask[a]).toBe(fresh.riskClassMask[a])
              expect(book.entryCost[a]).toBe(fresh.entryCost[a])
            }
          }
        },
      ),
      { numRuns: 300 },
    )
  })

  it('compacts by its size rule only: garbage above both the live entries and minGarbage', () => {
    const one: BookEntry[] = [{ item: 0, size: 1, entryPrice: 3000 }]
    const two: BookEntry[] = [...one, { item: 1, size: -1, entryPrice: 60_000 }]
    const writer = AccountBookWriter.create([one, one], state, { minGarbage: 3 })
    writer.setAccount(0, two, state) // moves to the end: 1 dead entry
    expect([writer.usedEntries, writer.liveEntries]).toEqual([4, 3])
    expect(writer.compactIfSparse()).toBe(false)
    writer.setAccount(0, one, state) // in place, slot of 2 keeps 1 dead
    writer.setAccount(1, two, state) // moves: 2 dead
    writer.setAccount(1, [...two, { item: 2, size: 1 }], state) // moves: 4 dead
    expect([writer.usedEntries, writer.liveEntries]).toEqual([9, 4])
    expect(writer.compactIfSparse()).toBe(true)
    expect([writer.usedEntries, writer.liveEntries]).toEqual([4, 4])
    expect([...writer.book.starts.subarray(0, 2)]).toEqual([0, 1])
    expect([...writer.book.ends.subarray(0, 2)]).toEqual([1, 4])
  })

  it('refuses an index past the end', () => {
    const writer = AccountBookWriter.create([], state)
    expect(() => writer.setAccount(1, [], state)).toThrow(RangeError)
    writer.setAccount(0, [], state)
    expect(writer.book.count).toBe(1)
  })
})
