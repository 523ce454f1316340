import { MerkleStateManager } from '@ethereumjs/statemanager'
import { Account, createAddressFromString } from '@ethereumjs/util'
import fc from 'fast-check'
import type { Hex } from 'viem'
import { describe, expect, it } from 'vitest'
import { devGenesis } from '../../genesis/dev.ts'
import { WAD } from '../../lib/fixed.ts'
import { INSURANCE_FUND_ADDRESS, MARGIN_ADDRESS } from '../../state/system/addresses.ts'
import type { PriceFeed } from '../../state/system/priceFeed.ts'
import type { GovernedConfig } from '../../state/system/types.ts'
import { UmaStore } from '../../state/system/umaStore.ts'
import { COLLATERAL_FLAG, liquidateUnhealthy } from './liquidate.ts'
import { MarginMirror } from './marginMirror.ts'
import { marketAt } from './marketAt.ts'

const config = devGenesis().margin!.config as GovernedConfig
const NOW = 1_790_000_000n // 2026-09, before both dev expiries
const CALL = 11 // ETH-20270326-3000-C
const PERP = 1
const USDC = 1
const WETH = 2
const [shorty, maker, healthy, borrower] = [
  `0x${'11'.repeat(20)}`,
  `0x${'22'.repeat(20)}`,
  `0x${'33'.repeat(20)}`,
  `0x${'44'.repeat(20)}`,
] as Hex[]

function prices(eth: number, timestamp = NOW): Map<number, PriceFeed> {
  const feed = (underlyingId: number, price: number, vol: number): PriceFeed => ({
    underlyingId,
    priceWad: BigInt(price) * WAD,
    volWad: BigInt(Math.round(vol * 100)) * (WAD / 100n),
    timestamp,
  })
  return new Map([
    [1, feed(1, eth, 0.6)],
    [2, feed(2, 60_000, 0.5)],
    [3, feed(3, 100, 0.3)],
  ])
}

/** A state with: a short-call account near its limit, its counterparty, a healthy account, and the fund. */
async function world() {
  const state = new MerkleStateManager()
  await state.putAccount(createAddressFromString(MARGIN_ADDRESS), new Account(1n, 0n))
  const store = new UmaStore(state)
  await store.setBalance(INSURANCE_FUND_ADDRESS, USDC, 100_000n * WAD)
  await store.setBalance(shorty, USDC, 12_000n * WAD)
  await store.setPosition(shorty, CALL, -10n * WAD, 300n * WAD)
  await store.setBalance(maker, USDC, 1_000_000n * WAD)
  await store.setPosition(maker, CALL, 10n * WAD, 300n * WAD)
  await store.setBalance(healthy, USDC, 500_000n * WAD)
  await store.setPosition(healthy, PERP, 2n * WAD, 3000n * WAD)
  // Borrowed USDC against WETH: unhealthy once ETH falls.
  await store.setBalance(borrower, WETH, 10n * WAD)
  await store.setBalance(borrower, USDC, -20_000n * WAD)
  return { state, store, mirror: await MarginMirror.load(state) }
}

async function sizes(store: UmaStore, instrumentId: number): Promise<bigint> {
  let sum = 0n
  for (const a of [shorty, maker, healthy, borrower, INSURANCE_FUND_ADDRESS]) sum += (await store.position(a, instrumentId)).size
  return sum
}

describe('liquidateUnhealthy (end of block, in state)', () => {
  it('closes part of an unhealthy short call against the fund; the others are untouched; sizes stay zero-sum', async () => {
    const { state, store, mirror } = await world()
    const priced = marketAt(config, prices(3000), NOW)
    mirror.remargin(priced.state)
    expect(mirror.unhealthy()).toEqual([])
    expect((await liquidateUnhealthy(state, mirror, priced, config)).liquidated).toEqual([])

    const up = marketAt(config, prices(3750), NOW)
    mirror.remargin(up.state)
    expect(mirror.unhealthy().map((h) => h.account)).toEqual([shorty])
    const fundUsdc = await store.balance(INSURANCE_FUND_ADDRESS, USDC)
    const pass = await liquidateUnhealthy(state, mirror, up, config)
    expect(pass.liquidated.map((l) => l.account)).toEqual([shorty])
    const [c] = pass.liquidated[0].closures
    expect(c.instrumentId).toBe(CALL)
    expect(c.sizeClosed < 0n && c.sizeClosed > -10n * WAD).toBe(true)
    expect(pass.logs).toHaveLength(1)
    // The fund sold the calls back at mark and took the penalty.
    expect(await store.position(INSURANCE_FUND_ADDRESS, CALL)).toMatchObject({ size: c.sizeClosed, entryPrice: c.price })
    expect(await store.balance(INSURANCE_FUND_ADDRESS, USDC)).toBe(fundUsdc + (-c.sizeClosed * c.price) / WAD + c.penalty)
    expect(await sizes(store, CALL)).toBe(0n)
    expect(await store.position(maker, CALL)).toMatchObject({ size: 10n * WAD, entryPrice: 300n * WAD })
    // Healthy again, in the mirror the next block starts from.
    expect(mirror.health(shorty)!.health).toBeGreaterThanOrEqual(0)
    expect(mirror.unhealthy()).toEqual([])
  })

  it('waits while a price the account depends on is stale', async () => {
    const { state, store, mirror } = await world()
    const stale = marketAt(config, prices(3750, NOW - BigInt(config.riskParams.maxOracleAge) - 1n), NOW)
    mirror.remargin(stale.state)
    expect(mirror.unhealthy().map((h) => h.account)).toEqual([shorty])
    const pass = await liquidateUnhealthy(state, mirror, stale, config)
    expect(pass.liquidated).toEqual([])
    expect(pass.waitingOnStalePrice).toEqual([shorty])
    expect((await store.position(shorty, CALL)).size).toBe(-10n * WAD)
  })

  it('repays a borrowing from collateral when ETH falls', async () => {
    const { state, store, mirror } = await world()
    const down = marketAt(config, prices(2500), NOW)
    mirror.remargin(down.state)
    expect(mirror.unhealthy().map((h) => h.account)).toEqual([borrower])
    const pass = await liquidateUnhealthy(state, mirror, down, config)
    const [c] = pass.liquidated[0].closures
    expect(c.instrumentId).toBe(COLLATERAL_FLAG + WETH)
    expect(c.sizeClosed > 0n && c.sizeClosed < 10n * WAD).toBe(true)
    expect(await store.balance(borrower, WETH)).toBe(10n * WAD - c.sizeClosed)
    expect(await store.balance(INSURANCE_FUND_ADDRESS, WETH)).toBe(c.sizeClosed)
    expect(mirror.health(borrower)!.health).toBeGreaterThanOrEqual(0)
  })

  it('a gap past the collateral: all closed, the fund pays the bad debt, the account ends at zero', async () => {
    const { state, store, mirror } = await world()
    const gap = marketAt(config, prices(6000), NOW)
    mirror.remargin(gap.state)
    const fundBefore = mirror.health(INSURANCE_FUND_ADDRESS)!.equity
    const pass = await liquidateUnhealthy(state, mirror, gap, config)
    const mine = pass.liquidated.find((l) => l.account === shorty)!
    expect(mine.badDebt).toBeGreaterThan(0n)
    expect((await store.position(shorty, CALL)).size).toBe(0n)
    expect((await store.holdings(shorty)).balances.every((b) => b.amount >= 0n)).toBe(true)
    expect(mirror.health(shorty)!.equity).toBeCloseTo(0, 6)
    // The fund's equity falls by the bad debt it absorbed less the penalties it was paid (the
    // closures themselves are at mark; the penalties are part of the debt).
    const penalties = mine.closures.reduce((s, c) => s + c.penalty, 0n)
    expect(fundBefore - mirror.health(INSURANCE_FUND_ADDRESS)!.equity).toBeCloseTo(Number(mine.badDebt - penalties) / 1e18, 3)
    expect(await sizes(store, CALL)).toBe(0n)
  })

  it('never liquidates the insurance fund itself', async () => {
    const { state, store, mirror } = await world()
    await store.setBalance(INSURANCE_FUND_ADDRESS, USDC, 1n * WAD)
    await store.setPosition(INSURANCE_FUND_ADDRESS, PERP, -100n * WAD, 3000n * WAD)
    await mirror.refresh(state, [INSURANCE_FUND_ADDRESS])
    const up = marketAt(config, prices(3300), NOW)
    mirror.remargin(up.state)
    expect(mirror.unhealthy().map((h) => h.account)).toContain(INSURANCE_FUND_ADDRESS)
    const pass = await liquidateUnhealthy(state, mirror, up, config)
    expect(pass.liquidated.map((l) => l.account)).not.toContain(INSURANCE_FUND_ADDRESS)
    expect((await store.position(INSURANCE_FUND_ADDRESS, PERP)).size).toBe(-100n * WAD)
  })
})

describe('liquidateUnhealthy properties (random books, random moves)', () => {
  const INSTRUMENTS = [PERP, 3, 4, 5, 6, 9, 11, 12, 13]
  const holder = fc.record({
    usdc: fc.integer({ min: -20_000, max: 40_000 }),
    weth: fc.integer({ min: 0, max: 20 }),
    positions: fc.array(fc.record({ instrument: fc.constantFrom(...INSTRUMENTS), size: fc.integer({ min: -20, max: 20 }) }), {
      maxLength: 3,
    }),
  })

  it('after the pass every account is healthy or fully closed; equity (accounts + fund) is conserved; sizes zero-sum', async () => {
    let runsLiquidating = 0
    let badDebts = 0
    await fc.assert(
      fc.asyncProperty(fc.array(holder, { minLength: 1, maxLength: 6 }), fc.integer({ min: 2200, max: 4500 }), async (books, eth) => {
        const state = new MerkleStateManager()
        await state.putAccount(createAddressFromString(MARGIN_ADDRESS), new Account(1n, 0n))
        const store = new UmaStore(state)
        await store.setBalance(INSURANCE_FUND_ADDRESS, USDC, 1_000_000n * WAD)
        const accounts = books.map((_, i) => `0x${(i + 1).toString(16).padStart(40, '0')}` as Hex)
        // Every position has its counterparty in a market maker (healthy by construction).
        const mm = `0x${'ee'.repeat(20)}` as Hex
        await store.setBalance(mm, USDC, 100_000_000n * WAD)
        for (const [i, b] of books.entries()) {
          await store.setBalance(accounts[i], USDC, BigInt(b.usdc) * WAD)
          await store.setBalance(accounts[i], WETH, BigInt(b.weth) * WAD)
          for (const p of b.positions) {
            const cur = await store.position(accounts[i], p.instrument)
            await store.setPosition(accounts[i], p.instrument, cur.size + BigInt(p.size) * WAD, p.instrument === PERP ? 3000n * WAD : 0n)
            const other = await store.position(mm, p.instrument)
            await store.setPosition(mm, p.instrument, other.size - BigInt(p.size) * WAD, p.instrument === PERP ? 3000n * WAD : 0n)
          }
        }
        const mirror = await MarginMirror.load(state)
        const priced = marketAt(config, prices(eth), NOW)
        mirror.remargin(priced.state)
        const everyone = [...accounts, mm, INSURANCE_FUND_ADDRESS]
        const totalEquity = () => everyone.reduce((s, a) => s + (mirror.health(a)?.equity ?? 0), 0)
        const before = totalEquity()
        const pass = await liquidateUnhealthy(state, mirror, priced, config)
        for (const a of accounts) {
          const h = mirror.health(a)
          const open = (await store.holdings(a)).positions.some((p) => p.size !== 0n)
          if (h !== undefined && open) expect(h.health, a).toBeGreaterThanOrEqual(-1e-6)
        }
        // Closures are at mark and penalties and bad debt move between the account and the fund:
        // total equity is unchanged, but for wad rounding.
        expect(Math.abs(totalEquity() - before)).toBeLessThan(1e-6 * Math.max(1, Math.abs(before)))
        for (const id of INSTRUMENTS) {
          let sum = 0n
          for (const a of everyone) sum += (await store.position(a, id)).size
          expect(sum, `instrument ${id}`).toBe(0n)
        }
        for (const l of pass.liquidated) expect(l.badDebt >= 0n).toBe(true)
        if (pass.liquidated.length > 0) runsLiquidating++
        badDebts += pass.liquidated.filter((l) => l.badDebt > 0n).length
      }),
      { numRuns: 40, seed: 20261127 },
    )
    // The generator reaches the engine's branches: liquidations, and some bad debt.
    expect(runsLiquidating).toBeGreaterThanOrEqual(8)
    expect(badDebts).toBeGreaterThan(0)
  }, 60_000)
})
