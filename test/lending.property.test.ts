/**
 * Lending's money, on the real state (SPEC 6.2, issue 16): random streams of borrowing
 * transfers, withdrawals, price moves and time passing (hours to days between blocks, so interest
 * is material), and after every block, for every pooled asset:
 * - the pool's scaled totals are exactly the sums of the accounts' scaled principal;
 * - cash = supplied − borrowed ≥ 0, and Σ balances ≤ backing (genesis − withdrawals), short of
 *   it by at most a wei per account per block (rounding never creates money);
 * - what interest charged the borrowers, suppliers and the insurance fund received (the same
 *   bound);
 * and a second node importing the blocks reaches the same state roots.
 */
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import fc from 'fast-check'
import pino from 'pino'
import { decodeEventLog, encodeFunctionData } from 'viem'
import { privateKeyToAccount } from 'viem/accounts'
import { afterEach, describe, expect, it, vi } from 'vitest'
import { createNode, type Node } from '../chain/node.ts'
import { priceUpdateHash } from '../execution/oracle/priceUpdateHash.ts'
import { MARGIN_ABI } from '../execution/precompiles/margin.ts'
import { oracleAbi } from '../execution/precompiles/oracleAbi.ts'
import { DEV_ACCOUNTS, devGenesis } from '../genesis/dev.ts'
import { MARGIN_ADDRESS, ORACLE_ADDRESS } from '../state/system/addresses.ts'
import { borrowedOf, cashOf, RAY, suppliedOf } from '../state/system/lendingPools.ts'
import { UmaStore } from '../state/system/umaStore.ts'
import { Driver } from './support/driver.ts'

const W = 10n ** 18n
const logger = pino({ level: 'silent' })
const TRADERS = [3, 4, 5, 6, 7]
const POOLED = [1, 2]

type Op =
  | { kind: 'transfer'; from: number; to: number; asset: number; amount: bigint }
  | { kind: 'withdraw'; from: number; asset: number; amount: bigint }

const trader = fc.constantFrom(...TRADERS)
/** Amounts around what a dev account holds (1,000,000 USDC, 100 WETH), so many borrow. */
const amountOf = (asset: number) =>
  fc.integer({ min: 1, max: asset === 1 ? 1_400_000 : 160 }).map((n) => BigInt(n) * W + BigInt(n % 7) * 10n ** 11n)
const op: fc.Arbitrary<Op> = fc.oneof(
  fc
    .record({ from: trader, to: trader, asset: fc.constantFrom(...POOLED) })
    .filter((t) => t.from !== t.to)
    .chain((t) => amountOf(t.asset).map((amount) => ({ kind: 'transfer' as const, ...t, amount }))),
  fc
    .record({ from: trader, asset: fc.constantFrom(...POOLED) })
    .chain((t) => amountOf(t.asset).map((amount) => ({ kind: 'withdraw' as const, ...t, amount: amount / 4n }))),
)
const step = fc.record({
  /** Seconds to the next block: interest at material sizes. */
  dt: fc.integer({ min: 1, max: 2 * 86_400 }),
  /** ETH moves by this per mille. */
  move: fc.integer({ min: -40, max: 40 }),
  ops: fc.array(op, { minLength: 1, maxLength: 5 }),
})

interface PoolBooks {
  balances: bigint
  supplied: bigint
  borrowed: bigint
  cash: bigint
  accounts: number
  borrowIndex: bigint
}

async function poolBooks(node: Node, assetId: number): Promise<PoolBooks> {
  const { state } = await node.stateAt('latest')
  const store = new UmaStore(state)
  const pool = (await store.pool(assetId))!
  let balances = 0n
  let scaledSupply = 0n
  let scaledBorrow = 0n
  const accounts = await store.accounts()
  for (const a of accounts) {
    const b = (await store.holdings(a)).balances.find((x) => x.assetId === assetId)
    if (b === undefined) continue
    balances += b.amount
    if (b.scaled! > 0n) scaledSupply += b.scaled!
    else scaledBorrow -= b.scaled!
  }
  expect(scaledSupply).toBe(pool.scaledSupply)
  expect(scaledBorrow).toBe(pool.scaledBorrow)
  return {
    balances,
    supplied: suppliedOf(pool),
    borrowed: borrowedOf(pool),
    cash: cashOf(pool),
    accounts: accounts.length,
    borrowIndex: pool.borrowIndex,
  }
}

describe('lending pools under random streams', () => {
  afterEach(() => {
    vi.useRealTimers()
  })

  it('conserve every asset, charge what they credit, and replay to the same roots', async () => {
    vi.useFakeTimers({ toFake: ['Date'] })
    let borrowedSeen = 0n
    let maxBorrowIndex = 0n
    await fc.assert(
      fc.asyncProperty(fc.array(step, { minLength: 2, maxLength: 6 }), async (steps) => {
        const dirs = [mkdtempSync(join(tmpdir(), 'um-lend-')), mkdtempSync(join(tmpdir(), 'um-lend-replay-'))]
        let now = Date.UTC(2026, 0, 1) + 10_000
        vi.setSystemTime(now)
        const genesis = devGenesis()
        genesis.timestamp = BigInt(Math.floor(now / 1000)) - 5n
        const node = await createNode({ datadir: dirs[0], genesis, blockTimeMs: 50, logger, produce: false })
        const replay = await createNode({ datadir: dirs[1], genesis, blockTimeMs: 50, logger, produce: false })
        try {
          const driver = new Driver(node)
          const feeder = privateKeyToAccount(DEV_ACCOUNTS[9][1])
          const backing = new Map<number, bigint>()
          for (const asset of POOLED) backing.set(asset, (await poolBooks(node, asset)).balances)
          let eth = 3000n * W
          let blocks = 0n
          for (const s of steps) {
            now += s.dt * 1000
            vi.setSystemTime(now)
            eth = (eth * BigInt(1000 + s.move)) / 1000n
            const update = {
              underlyingIds: [1, 2],
              prices: [eth, 60_000n * W],
              vols: [6n * 10n ** 17n, 5n * 10n ** 17n],
              timestamp: BigInt(Math.floor(now / 1000)),
            }
            const sig = await feeder.signMessage({ message: { raw: priceUpdateHash(31338n, update) } })
            await driver.send(
              9,
              ORACLE_ADDRESS,
              encodeFunctionData({
                abi: oracleAbi,
                functionName: 'submitPrices',
                args: [update.underlyingIds, update.prices, update.vols, update.timestamp, [sig]],
              }),
            )
            for (const o of s.ops) {
              const data =
                o.kind === 'transfer'
                  ? encodeFunctionData({ abi: MARGIN_ABI, functionName: 'transfer', args: [DEV_ACCOUNTS[o.to][0], o.asset, o.amount] })
                  : encodeFunctionData({ abi: MARGIN_ABI, functionName: 'withdraw', args: [o.asset, o.amount, DEV_ACCOUNTS[o.from][0]] })
              await driver.send(o.from, MARGIN_ADDRESS, data)
            }
            const block = (await node.produceBlock())!
            blocks++
            await replay.importBlock(block)
            for (const r of await node.getBlockReceipts(block.header.number)) {
              for (const l of r.logs) {
                if (l.address !== MARGIN_ADDRESS) continue
                const ev = decodeEventLog({ abi: MARGIN_ABI, data: l.data, topics: l.topics as never })
                if (ev.eventName === 'Withdrawal') {
                  const { assetId, amount } = ev.args as { assetId: number; amount: bigint }
                  backing.set(assetId, backing.get(assetId)! - amount)
                }
              }
            }
            for (const asset of POOLED) {
              const b = await poolBooks(node, asset)
              const slack = BigInt(b.accounts) * blocks
              borrowedSeen += b.borrowed
              expect(b.cash >= 0n).toBe(true)
              expect(b.cash).toBe(b.supplied - b.borrowed)
              expect(b.balances <= backing.get(asset)!).toBe(true)
              expect(backing.get(asset)! - b.balances <= slack).toBe(true)
              expect(b.cash - b.balances >= 0n && b.cash - b.balances <= slack).toBe(true)
              if (b.borrowIndex > maxBorrowIndex) maxBorrowIndex = b.borrowIndex
            }
          }
          expect(bytesEqual((await replay.stateAt('latest')).block.hash(), (await node.stateAt('latest')).block.hash())).toBe(true)
        } finally {
          await node.close()
          await replay.close()
          for (const d of dirs) rmSync(d, { recursive: true, force: true })
        }
      }),
      { numRuns: 8 },
    )
    // The streams did borrow: interest was exercised, not skipped.
    expect(borrowedSeen).toBeGreaterThan(0n)
    expect(maxBorrowIndex).toBeGreaterThan(RAY)
  }, 240_000)
})

function bytesEqual(a: Uint8Array, b: Uint8Array): boolean {
  return a.length === b.length && a.every((x, i) => x === b[i])
}
