import { describe, expect, it } from 'vitest'
import { devMarket, devRiskParams } from '../../genesis/devMarket.ts'
import { type BookEntry, createAccountBook } from './accountBook.ts'
import { createMarginOutputs, marginAccounts } from './marginAccounts.ts'
import { createMarginPool } from './marginPool.ts'
import { buildMarketState } from './marketState.ts'
import { createRandom } from './random.ts'

const T0 = 1_767_225_600

describe('marginPool (worker threads over SharedArrayBuffers)', () => {
  it('gives bit-identical results to the single-threaded loop, move after move', async () => {
    const state = buildMarketState(devMarket, devRiskParams, T0)
    const rng = createRandom(7)
    const accounts: BookEntry[][] = []
    for (let a = 0; a < 3001; a++) {
      const n = rng.nextUint32() % 8
      const entries: BookEntry[] = []
      for (let k = 0; k < n; k++) {
        entries.push({
          item: rng.nextUint32() % state.items.length,
          size: (rng.nextUnit() - 0.5) * 100,
          entryPrice: 1000 + rng.nextUnit() * 60000,
        })
      }
      accounts.push(entries)
    }
    const book = createAccountBook(accounts, state)
    for (const threads of [2, 3]) {
      const pool = await createMarginPool(book, { threads })
      try {
        expect(pool.threads).toBe(threads)
        for (const eth of [3000, 2700, 3300]) {
          const moved = buildMarketState(
            { ...devMarket, underlyings: devMarket.underlyings.map((u) => (u.symbol === 'ETH' ? { ...u, price: eth } : u)) },
            devRiskParams,
            T0,
          )
          await pool.remargin(moved)
          const single = createMarginOutputs(book.count)
          marginAccounts(moved, book, single)
          expect(pool.out).toEqual(single)
          expect(pool.out.maintenanceMargin.buffer).toBeInstanceOf(SharedArrayBuffer)
        }
      } finally {
        await pool.close()
      }
    }
  })
})
