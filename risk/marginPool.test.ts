import { describe, expect, it } from 'vitest'
import { type BookEntry, createAccountBook } from './accountBook.ts'
import { devMarket, devRiskParams } from './devMarket.ts'
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
          expect(await pool.remargin(moved)).toBe(book.count)
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

  it('runs the incremental path across threads: only moved or dirty accounts', async () => {
    const state = buildMarketState(devMarket, devRiskParams, T0)
    const perp = state.itemByName.get('ETH-PERP')!
    const wbtc = state.itemByName.get('WBTC')!
    const usdc = state.itemByName.get('USDC')!
    const accounts: BookEntry[][] = []
    for (let a = 0; a < 1000; a++) {
      accounts.push([{ item: a % 3 === 0 ? perp : a % 3 === 1 ? wbtc : usdc, size: a + 1, entryPrice: 2900 }])
    }
    const book = createAccountBook(accounts, state)
    const pool = await createMarginPool(book, { threads: 2 })
    try {
      await pool.remargin(state)
      const btcMove = buildMarketState(
        { ...devMarket, underlyings: devMarket.underlyings.map((u) => (u.symbol === 'BTC' ? { ...u, price: 55000 } : u)) },
        devRiskParams,
        T0,
      )
      const dirty = pool.createDirtyFlags()
      dirty[2] = 1 // a USDC account changed
      expect(await pool.remargin(btcMove, { prev: state, dirty })).toBe(333 + 1)
      const single = createMarginOutputs(book.count)
      marginAccounts(btcMove, book, single)
      expect(pool.out).toEqual(single)
      expect(await pool.remargin(btcMove, { prev: btcMove })).toBe(0)
    } finally {
      await pool.close()
    }
  })
})

describe('marginPool guard', () => {
  it('refuses a second remargin while one is running', async () => {
    const state = buildMarketState(devMarket, devRiskParams, T0)
    const book = createAccountBook([[{ item: 0, size: 1, entryPrice: 3000 }]], state)
    const pool = await createMarginPool(book, { threads: 2 })
    try {
      const first = pool.remargin(state)
      await expect(pool.remargin(state)).rejects.toThrow('one remargin at a time')
      expect(await first).toBe(1)
    } finally {
      await pool.close()
    }
  })
})
