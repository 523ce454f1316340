import { SimpleStateManager } from '@ethereumjs/statemanager'
import fc from 'fast-check'
import type { Hex } from 'viem'
import { describe, expect, it } from 'vitest'
import { devGenesis } from '../../genesis/dev.ts'
import { WAD } from '../../lib/fixed.ts'
import type { PriceFeed } from '../../state/system/priceFeed.ts'
import { type Holdings, UmaStore } from '../../state/system/umaStore.ts'
import { MarginMirror } from './marginMirror.ts'
import { marketAt } from './marketAt.ts'

const config = devGenesis().margin!.config
const NOW = 1_790_000_000n
const assetIds = config.market.assets.map((a) => a.id)
const instrumentIds = config.market.instruments.map((i) => i.id)
const ACCOUNTS = Array.from({ length: 12 }, (_, k) => `0x${(k + 1).toString(16).padStart(40, '0')}` as Hex)

/** The market at ETH `eth`, BTC `btc`, `dt` seconds after NOW (vols and the LP fixed). */
function priced(eth: number, btc: number, dt: number) {
  const feed = (underlyingId: number, price: number, vol: number): PriceFeed => ({
    underlyingId,
    priceWad: BigInt(price) * WAD,
    volWad: BigInt(Math.round(vol * 100)) * (WAD / 100n),
    timestamp: NOW + BigInt(dt),
  })
  const prices = new Map([
    [1, feed(1, eth, 0.6)],
    [2, feed(2, btc, 0.5)],
    [3, feed(3, 100, 0.3)],
  ])
  return marketAt(config, prices, NOW + BigInt(dt)).state
}

const amount = fc.integer({ min: -400, max: 400 }).map((k) => BigInt(k) * 10n ** 17n)
const holdings: fc.Arbitrary<Holdings> = fc.record({
  balances: fc
    .uniqueArray(fc.constantFrom(...assetIds), { maxLength: 3 })
    .chain((ids) => fc.tuple(...ids.map((assetId) => amount.map((a) => ({ assetId, amount: a }))))),
  positions: fc.uniqueArray(fc.constantFrom(...instrumentIds), { maxLength: 4 }).chain((ids) =>
    fc.tuple(
      ...ids.map((instrumentId) =>
        fc.record({
          instrumentId: fc.constant(instrumentId),
          size: amount,
          entryPrice: fc.integer({ min: 1, max: 70_000 }).map((p) => BigInt(p) * WAD),
        }),
      ),
    ),
  ),
})
/** A block: some accounts get new holdings, then the market (maybe) moves. */
const block = fc.record({
  changes: fc.array(fc.record({ account: fc.constantFrom(...ACCOUNTS), holdings }), { maxLength: 5 }),
  eth: fc.constantFrom(2700, 3000, 3300),
  btc: fc.constantFrom(54_000, 60_000),
  dt: fc.constantFrom(0, 0, 3600),
})

/** Writes `h` as the whole of `account`'s holdings (what it no longer holds set to 0). */
async function write(store: UmaStore, account: Hex, h: Holdings): Promise<void> {
  for (const id of assetIds) await store.setBalance(account, id, h.balances.find((b) => b.assetId === id)?.amount ?? 0n)
  for (const id of instrumentIds) {
    const p = h.positions.find((x) => x.instrumentId === id)
    await store.setPosition(account, id, p?.size ?? 0n, p?.entryPrice ?? 0n)
  }
}

describe('MarginMirror', () => {
  it('after any blocks of changes and re-margins, its figures equal a fresh mirror of the same holdings (===)', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(block, { minLength: 1, maxLength: 6 }), async (blocks) => {
        const state = new SimpleStateManager()
        const store = new UmaStore(state)
        const mirror = await MarginMirror.load(state)
        for (const b of blocks) {
          for (const c of b.changes) await write(store, c.account, c.holdings)
          await mirror.refresh(
            state,
            b.changes.map((c) => c.account),
          )
          const market = priced(b.eth, b.btc, b.dt)
          mirror.remargin(market)
          const accounts = await store.accounts()
          const fresh = await MarginMirror.fromHoldings(
            await Promise.all(accounts.map(async (a) => [a, await store.holdings(a)] as [Hex, Holdings])),
          )
          fresh.remargin(market)
          for (const a of accounts) {
            const want = fresh.health(a)!
            // The store lists accounts that ever held anything; the mirror skips one emptied
            // before it ever saw it, which a fresh mirror margins at 0.
            const got = mirror.health(a) ?? { equity: 0, maintenanceMargin: 0 }
            expect(Object.is(got.equity, want.equity), `${a} equity`).toBe(true)
            expect(Object.is(got.maintenanceMargin, want.maintenanceMargin), `${a} MM`).toBe(true)
          }
          expect(mirror.unhealthy()).toEqual(fresh.unhealthy())
        }
      }),
      { numRuns: 60 },
    )
  })

  it('re-margins only the changed accounts when the market did not move', async () => {
    const state = new SimpleStateManager()
    const store = new UmaStore(state)
    for (const a of ACCOUNTS) await store.setBalance(a, 1, 1000n * WAD)
    const mirror = await MarginMirror.load(state)
    const market = priced(3000, 60_000, 0)
    expect(mirror.remargin(market)).toBe(ACCOUNTS.length)
    await store.setPosition(ACCOUNTS[3], 1, WAD, 3000n * WAD)
    await mirror.refresh(state, [ACCOUNTS[3]])
    expect(mirror.remargin(market)).toBe(1)
    expect(mirror.health(ACCOUNTS[3])!.maintenanceMargin).toBeGreaterThan(0)
  })
})
