import { MerkleStateManager } from '@ethereumjs/statemanager'
import { Account, createAddressFromString } from '@ethereumjs/util'
import fc from 'fast-check'
import type { Hex } from 'viem'
import { decodeEventLog } from 'viem'
import { describe, expect, it } from 'vitest'
import { devGenesis } from '../../genesis/dev.ts'
import { WAD } from '../../lib/fixed.ts'
import { INSURANCE_FUND_ADDRESS, MARGIN_ADDRESS } from '../../state/system/addresses.ts'
import type { PriceFeed } from '../../state/system/priceFeed.ts'
import type { GovernedConfig } from '../../state/system/types.ts'
import { UmaStore } from '../../state/system/umaStore.ts'
import { MARGIN_ABI } from '../precompiles/margin.ts'
import { marginOfHoldings } from './accountMargin.ts'
import { closeFundingIntervals, fundingOwed, fundingRate, intervalStartOf, readFundingIndexes, vwapOf } from './funding.ts'
import { liquidateUnhealthy } from './liquidate.ts'
import { MarginMirror } from './marginMirror.ts'
import { marketAt } from './marketAt.ts'
import { settleFill } from './settleFill.ts'
import type { MarginEnv } from './types.ts'

const base = devGenesis().margin!.config as GovernedConfig
const PERP = 1 // ETH-PERP
const USDC = 1
const HOUR = 3600n
const T0 = 1_790_000_000n - (1_790_000_000n % HOUR) // an interval boundary
const accounts = [1, 2, 3, 4, 5].map((i) => `0x${String(i).repeat(40)}` as Hex)

function env(config: GovernedConfig, price: { eth: bigint; timestamp: bigint }): MarginEnv {
  return {
    config: async () => config,
    prices: async () =>
      new Map<number, PriceFeed>([[1, { underlyingId: 1, priceWad: price.eth, volWad: (6n * WAD) / 10n, timestamp: price.timestamp }]]),
  }
}

async function world() {
  const state = new MerkleStateManager()
  await state.putAccount(createAddressFromString(MARGIN_ADDRESS), new Account(1n, 0n))
  const store = new UmaStore(state)
  await store.setBalance(INSURANCE_FUND_ADDRESS, USDC, 1_000_000n * WAD)
  for (const a of accounts) await store.setBalance(a, USDC, 10_000_000n * WAD)
  return { state, store }
}

const trade = (store: UmaStore, buyer: Hex, seller: Hex, size: bigint, price: bigint, timestamp: bigint, config = base) =>
  settleFill(store, { buyer, seller, instrumentId: PERP, isOption: false, size, price }, USDC, config, { timestamp, marksPrice: true })

describe('fundingRate', () => {
  const f = { intervalSeconds: 3600, maxRate: 0.05 }
  it('is the premium scaled to the interval (of 8 hours), rounded toward zero', () => {
    expect(fundingRate(3030n * WAD, 3000n * WAD, f)).toBe((125n * WAD) / 100_000n) // 1 % × 1/8
    expect(fundingRate(2970n * WAD, 3000n * WAD, f)).toBe((-125n * WAD) / 100_000n)
    expect(fundingRate(3000n * WAD + 1n, 3000n * WAD, f)).toBe(0n)
    expect(fundingRate(3000n * WAD - 1n, 3000n * WAD, f)).toBe(0n)
  })
  it('is clamped to ±maxRate and 0 with no fill', () => {
    expect(fundingRate(6000n * WAD, 3000n * WAD, { intervalSeconds: 3600, maxRate: 0.0005 })).toBe((5n * WAD) / 10_000n)
    expect(fundingRate(1000n * WAD, 3000n * WAD, { intervalSeconds: 3600, maxRate: 0.0005 })).toBe((-5n * WAD) / 10_000n)
    expect(fundingRate(6000n * WAD, 3000n * WAD, { intervalSeconds: 3600, maxRate: 0 })).toBe(0n)
    expect(fundingRate(undefined, 3000n * WAD, f)).toBe(0n)
  })
})

describe('intervalStartOf / vwapOf / fundingOwed', () => {
  it('aligns intervals to unix time', () => {
    expect(intervalStartOf(T0, 3600)).toBe(T0)
    expect(intervalStartOf(T0 + 3599n, 3600)).toBe(T0)
    expect(intervalStartOf(T0 + 3600n, 3600)).toBe(T0 + 3600n)
    expect(intervalStartOf(125n, 60)).toBe(120n)
  })
  it('weights the VWAP by size', () => {
    expect(vwapOf({ volume: 0n, notional: 0n })).toBeUndefined()
    expect(vwapOf({ volume: 4n * WAD, notional: 1n * 3000n * WAD + 3n * 3100n * WAD })).toBe(3075n * WAD)
  })
  it('rounds up: a payer pays its part wei, a receiver does not get it', () => {
    expect(fundingOwed(2n * WAD, 0n, (3n * WAD) / 2n)).toBe(3n * WAD)
    expect(fundingOwed(1n, 0n, 1n)).toBe(1n) // 10^-36 owed: 1 wei paid
    expect(fundingOwed(-1n, 0n, 1n)).toBe(0n) // 10^-36 due: nothing received
    expect(fundingOwed(-3n * WAD, 5n, 5n)).toBe(0n)
    expect(fundingOwed(-(WAD + 1n), 0n, WAD / 2n)).toBe(-WAD / 2n) // 0.5 + half a wei due: 0.5 received
  })
})

describe('closeFundingIntervals (block start, in state)', () => {
  it('a perp traded above its index pays the longs → shorts at the first block at or after the boundary', async () => {
    const { state, store } = await world()
    const [long, short] = accounts
    await trade(store, long, short, 10n * WAD, 3030n * WAD, T0 + 10n)
    const e = env(base, { eth: 3000n * WAD, timestamp: T0 + 3599n })
    expect(await closeFundingIntervals(state, e, T0 + 3599n)).toEqual([]) // interval still open
    const at = { eth: 3000n * WAD, timestamp: T0 + 3601n }
    const [closed] = await closeFundingIntervals(state, env(base, at), T0 + 3601n)
    // (3030 − 3000)/3000 × 1/8 = 0.125 %, clamped to the dev cap 0.05 %: 1.5 USD per unit.
    expect(closed).toEqual({ instrumentId: PERP, rate: (5n * WAD) / 10_000n, index: 3000n * WAD, cumulativeFunding: (15n * WAD) / 10n })
    const pf = await store.perpFunding(PERP)
    expect(pf).toMatchObject({ volume: 0n, notional: 0n, intervalStart: 0n, lastFundingTime: T0 + HOUR })
    // Closed once: the next block in the same interval does nothing.
    expect(await closeFundingIntervals(state, env(base, at), T0 + 3605n)).toEqual([])
    // Accrued in equity at once: the long is 15 USD poorer, the short 15 richer.
    const funding = await readFundingIndexes(store, base)
    const priced = marketAt(base, await e.prices(state, [1]), T0 + 3601n, funding)
    const none = marketAt(base, await e.prices(state, [1]), T0 + 3601n)
    const eq = async (a: Hex, p: typeof priced) => marginOfHoldings(await store.holdings(a), p.state, p.funding).equity
    expect((await eq(long, priced)) - (await eq(long, none))).toBeCloseTo(-15, 6)
    expect((await eq(short, priced)) - (await eq(short, none))).toBeCloseTo(15, 6)
    // Settled on the next change of each position, through the fund.
    const paid = await trade(store, short, long, 4n * WAD, 3000n * WAD, T0 + 3700n)
    expect(paid).toEqual([
      { account: short, instrumentId: PERP, amount: -15n * WAD },
      { account: long, instrumentId: PERP, amount: 15n * WAD },
    ])
    expect(await store.balance(INSURANCE_FUND_ADDRESS, USDC)).toBe(1_000_000n * WAD)
    expect((await store.position(long, PERP)).entryFunding).toBe((15n * WAD) / 10n)
  })

  it('waits while the index is stale, and closes many idle intervals as the one with fills', async () => {
    const { state, store } = await world()
    await trade(store, accounts[0], accounts[1], WAD, 2990n * WAD, T0 + 1n)
    const stale = env(base, { eth: 3000n * WAD, timestamp: T0 })
    expect(await closeFundingIntervals(state, stale, T0 + 10n * HOUR)).toEqual([])
    const fresh = env(base, { eth: 3000n * WAD, timestamp: T0 + 10n * HOUR })
    const [c] = await closeFundingIntervals(state, fresh, T0 + 10n * HOUR + 5n)
    // (2990 − 3000)/3000/8 = −0.0417 %: within the cap.
    expect(c.rate).toBe((-10n * WAD * 3600n) / (3000n * 28_800n))
    expect((await store.perpFunding(PERP)).lastFundingTime).toBe(T0 + 10n * HOUR)
  })

  it('writes nothing for a perp with no fill', async () => {
    const { state } = await world()
    const before = await state.getStorage(createAddressFromString(MARGIN_ADDRESS), new Uint8Array(32))
    expect(await closeFundingIntervals(state, env(base, { eth: 3000n * WAD, timestamp: T0 + HOUR }), T0 + HOUR)).toEqual([])
    expect(await state.getStorage(createAddressFromString(MARGIN_ADDRESS), new Uint8Array(32))).toEqual(before)
  })
})

describe('funding is zero-sum (property, real state)', () => {
  const config: GovernedConfig = { ...base, funding: { intervalSeconds: 60, maxRate: 0.05 } }
  const op = fc.record({
    buyer: fc.nat(accounts.length - 1),
    seller: fc.nat(accounts.length - 1),
    size: fc.bigInt(1n, 50n * WAD),
    price: fc.bigInt(2000n * WAD, 4000n * WAD),
    dt: fc.constantFrom(0n, 1n, 7n, 59n, 60n, 61n, 300n),
    eth: fc.bigInt(2500n * WAD, 3500n * WAD),
  })

  it('what longs pay, shorts receive; the fund keeps only the rounding dust (< 1 wei a payment)', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(op, { minLength: 1, maxLength: 30 }), async (ops) => {
        const { state, store } = await world()
        let t = T0
        let payments = 0n
        let count = 0n
        const record = (paid: { amount: bigint }[]) => {
          for (const p of paid) {
            payments += p.amount
            count += 1n
          }
        }
        for (const o of ops) {
          t += o.dt
          await closeFundingIntervals(state, env(config, { eth: o.eth, timestamp: t }), t)
          if (o.buyer === o.seller) continue
          record(await trade(store, accounts[o.buyer], accounts[o.seller], o.size, o.price, t, config))
        }
        // Exactly: Σ settled + Σ outstanding = 0, and each settled amount is ⌈exact⌉.
        const cum = await store.cumulativeFunding(PERP)
        let outstanding = 0n // wad²
        for (const a of accounts) {
          const p = await store.position(a, PERP)
          outstanding += p.size * (cum - (p.entryFunding ?? 0n))
        }
        expect(payments * WAD >= -outstanding).toBe(true)
        expect(payments * WAD < -outstanding + (count + 1n) * WAD).toBe(true)
        // Flatten everyone against the last account (Σ sizes = 0, so it ends flat too).
        const last = accounts[accounts.length - 1]
        for (const a of accounts.slice(0, -1)) {
          const { size } = await store.position(a, PERP)
          if (size > 0n) record(await trade(store, last, a, size, 3000n * WAD, t, config))
          if (size < 0n) record(await trade(store, a, last, -size, 3000n * WAD, t, config))
        }
        for (const a of accounts) expect((await store.position(a, PERP)).size).toBe(0n)
        const fundGain = (await store.balance(INSURANCE_FUND_ADDRESS, USDC)) - 1_000_000n * WAD
        expect(fundGain).toBe(payments)
        expect(fundGain >= 0n && fundGain <= count).toBe(true)
      }),
      { numRuns: 60 },
    )
  })
})

describe('the mirror and funding', () => {
  it('rewrites only the perp holders when an index moves, bit for bit a fresh mirror', async () => {
    const { state, store } = await world()
    await trade(store, accounts[0], accounts[1], 3n * WAD, 3100n * WAD, T0 + 1n)
    const e = env(base, { eth: 3000n * WAD, timestamp: T0 + HOUR })
    const mirror = await MarginMirror.load(state)
    const p0 = marketAt(base, await e.prices(state, [1]), T0 + HOUR)
    mirror.remargin(p0.state, p0.funding)
    await closeFundingIntervals(state, e, T0 + HOUR)
    const p1 = marketAt(base, await e.prices(state, [1]), T0 + HOUR, await readFundingIndexes(store, base))
    expect(mirror.remargin(p1.state, p1.funding)).toBe(2)
    const fresh = await MarginMirror.load(state)
    fresh.remargin(p1.state, p1.funding)
    for (const a of accounts) expect(mirror.health(a)).toEqual(fresh.health(a))
    expect(mirror.health(accounts[0])!.equity).toBeLessThan(fresh.health(accounts[2])!.equity)
  })
})

describe('liquidation and funding', () => {
  it('an account made unhealthy by the funding it owes is liquidated, its funding settled with FundingPaid', async () => {
    const { state, store } = await world()
    const [poor, rich] = accounts
    await store.setBalance(poor, USDC, 1_000n * WAD)
    await trade(store, poor, rich, 10n * WAD, 3000n * WAD, T0 + 1n)
    const pf = await store.perpFunding(PERP)
    await store.setPerpFunding(PERP, pf, { ...pf, cumulativeFunding: 150n * WAD }) // 1,500 USD owed
    const e = env(base, { eth: 3000n * WAD, timestamp: T0 + 10n })
    const priced = marketAt(base, await e.prices(state, [1]), T0 + 10n, await readFundingIndexes(store, base))
    const mirror = await MarginMirror.load(state)
    mirror.remargin(priced.state, priced.funding)
    expect(mirror.health(poor)!.equity).toBeCloseTo(-500, 6)
    const pass = await liquidateUnhealthy(state, mirror, priced, base)
    expect(pass.liquidated.map((l) => l.account)).toEqual([poor])
    const events = pass.logs.map((l) => decodeEventLog({ abi: MARGIN_ABI, data: l.data, topics: l.topics as [Hex, ...Hex[]] }))
    expect(events[0]).toMatchObject({ eventName: 'FundingPaid', args: { account: poor, instrumentId: PERP, amount: 1_500n * WAD } })
    expect((await store.position(poor, PERP)).size).toBe(0n)
  })
})
