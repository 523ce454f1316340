/**
 * Lending (SPEC 6.2) against a real node with viem: a borrow pays the lenders and the insurance
 * fund at the curve's rate over the seconds elapsed while the pool's cash stays put; each
 * refusal (`not borrowable`, `borrow cap`, `insufficient liquidity`); the reads
 * (`margin_getLendingMarkets`, `Margin.lendingMarket`, `interestRate`, `margin_getRiskParams`).
 * The dev genesis with one change: a USDC borrow cap of 200,000, so the cap is reachable.
 */
import { writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { Hex } from 'viem'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { LendingMarketView } from '../chain/types.ts'
import { MARGIN_ABI } from '../execution/precompiles/margin.ts'
import { devGenesisDocument } from '../genesis/dev.ts'
import { parseWad } from '../lib/fixed.ts'
import { INSURANCE_FUND_ADDRESS, MARGIN_ADDRESS } from '../state/system/addresses.ts'
import { devAccounts, publicHttp, walletHttp } from './support/clients.ts'
import { type NodeInstance, startNode } from './support/node.ts'
import { rpcResult } from './support/rpc.ts'

const W = 10n ** 18n
const USDC = 1
const WETH = 2
const WBTC = 3
const YEAR = 31_536_000n
let node: NodeInstance

type Dev = (typeof devAccounts)[number]

async function send(account: Dev, functionName: string, args: unknown[]) {
  const hash = await walletHttp(node.url, account).writeContract({
    address: MARGIN_ADDRESS,
    abi: MARGIN_ABI,
    functionName: functionName as never,
    args: args as never,
    gas: 3_000_000n,
  })
  return publicHttp(node.url).waitForTransactionReceipt({ hash, timeout: 30_000 })
}

/** The revert reason of a Margin call as `account` would make it now. */
async function reason(account: Dev, functionName: string, args: unknown[]): Promise<string> {
  try {
    await publicHttp(node.url).simulateContract({
      account,
      address: MARGIN_ADDRESS,
      abi: MARGIN_ABI,
      functionName: functionName as never,
      args: args as never,
    })
  } catch (err) {
    return String((err as Error).message)
  }
  return 'no revert'
}

const balanceOf = (who: Hex, assetId: number, blockNumber: bigint) =>
  publicHttp(node.url).readContract({
    address: MARGIN_ADDRESS,
    abi: MARGIN_ABI,
    functionName: 'balanceOf',
    args: [who, assetId],
    blockNumber,
  }) as Promise<bigint>

const markets = async (block: bigint) =>
  Object.fromEntries(
    (await rpcResult<LendingMarketView[]>(node.url, 'margin_getLendingMarkets', [`0x${block.toString(16)}`])).map((m) => [m.symbol, m]),
  )

const timestampOf = async (n: bigint) => (await publicHttp(node.url).getBlock({ blockNumber: n })).timestamp

async function freshPrices(): Promise<void> {
  for (;;) {
    const m = await rpcResult<{ underlyings: { timestamp: number }[] }>(node.url, 'margin_getMarkets')
    if (m.underlyings.every((u) => u.timestamp > Date.now() / 1000 - 30)) return
    await new Promise((r) => setTimeout(r, 250))
  }
}

describe('lending pools on a real node', () => {
  beforeAll(async () => {
    const doc = devGenesisDocument() as { margin: { lending: Record<string, { borrowCap: number }> } }
    doc.margin.lending.USDC.borrowCap = 200_000
    const file = join(tmpdir(), `unimargin-lending-${process.pid}.json`)
    writeFileSync(file, JSON.stringify(doc))
    node = await startNode({ args: ['--genesis', file], startTimeoutMs: 90_000 })
    await freshPrices()
  }, 120_000)

  afterAll(async () => {
    await node?.dispose()
  })

  it('opens the dev pools: USDC and WETH borrowable, nothing borrowed, cash = every balance', async () => {
    const head = await publicHttp(node.url).getBlockNumber()
    const m = await markets(head)
    expect(m.USDC).toMatchObject({ assetId: USDC, borrowable: true, borrowed: '0', cash: '10100000', borrowCap: '200000' })
    expect(m.WETH).toMatchObject({ assetId: WETH, borrowable: true, supplied: '1000', borrowed: '0', borrowCap: '1000' })
    expect(m.WBTC).toMatchObject({ assetId: WBTC, borrowable: false })
    const params = await rpcResult<{ lending: Record<string, { slope1: number; kink: number }> }>(node.url, 'margin_getRiskParams')
    expect(params.lending.USDC).toMatchObject({ slope1: 0.04, kink: 0.8 })
  })

  it('a borrow pays the lenders and the fund at the curve rate over the seconds elapsed; the cash is unchanged', async () => {
    const [borrower, lender] = [devAccounts[3], devAccounts[4]]
    const tx = await send(borrower, 'transfer', [lender.address, USDC, 1_150_000n * W])
    expect(tx.status).toBe('success')
    const t0 = tx.blockNumber
    expect(await balanceOf(borrower.address, USDC, t0)).toBe(-150_000n * W)
    const m0 = await markets(t0)
    expect(m0.USDC.borrowed).toBe('150000')
    const fund0 = await balanceOf(INSURANCE_FUND_ADDRESS, USDC, t0)
    await new Promise((r) => setTimeout(r, 4_000))
    const t1 = await publicHttp(node.url).getBlockNumber()
    const m1 = await markets(t1)
    const debt = -(await balanceOf(borrower.address, USDC, t1))
    const charged = debt - 150_000n * W
    expect(charged).toBeGreaterThan(0n)
    // The curve at the pool's utilization after the borrow, over the seconds elapsed (per-block
    // compounding over a few seconds differs from simple interest by far less than 10^-6).
    const u = Number(parseWad(m0.USDC.utilization)) / 1e18
    const rate = (0.04 * u) / 0.8
    expect(Math.abs(Number(parseWad(m0.USDC.borrowRate)) / 1e18 - rate)).toBeLessThan(1e-15)
    const dt = (await timestampOf(t1)) - (await timestampOf(t0))
    const expected = (150_000 * rate * Number(dt)) / Number(YEAR)
    expect(Math.abs(Number(charged) / 1e18 / expected - 1)).toBeLessThan(1e-6)
    // What borrowers were charged is what suppliers and the fund received, to a wei per supplier.
    const supplied = parseWad(m1.USDC.supplied) - parseWad(m0.USDC.supplied)
    const borrowed = parseWad(m1.USDC.borrowed) - parseWad(m0.USDC.borrowed)
    expect(borrowed).toBe(charged)
    expect(supplied <= charged && charged - supplied <= 12n).toBe(true)
    expect(parseWad(m1.USDC.cash) - parseWad(m0.USDC.cash) <= 0n).toBe(true)
    expect(parseWad(m0.USDC.cash) - parseWad(m1.USDC.cash) <= 12n).toBe(true)
    // The reserve share (10 %) goes to the fund.
    const fundGain = (await balanceOf(INSURANCE_FUND_ADDRESS, USDC, t1)) - fund0
    expect(fundGain >= charged / 10n).toBe(true)
    expect(fundGain <= charged / 10n + (charged * 11n) / 1000n).toBe(true)
    // The lender earns the supply rate; each balance shows what it pays or earns.
    const acct = await rpcResult<{ balances: { assetId: number; interestRate?: string }[] }>(node.url, 'margin_getAccount', [
      borrower.address,
      `0x${t1.toString(16)}`,
    ])
    expect(acct.balances.find((b) => b.assetId === USDC)?.interestRate).toBe(m1.USDC.borrowRate)
    const lent = await rpcResult<{ balances: { assetId: number; interestRate?: string }[] }>(node.url, 'margin_getAccount', [
      lender.address,
      `0x${t1.toString(16)}`,
    ])
    expect(lent.balances.find((b) => b.assetId === USDC)?.interestRate).toBe(m1.USDC.supplyRate)
    // Margin.lendingMarket says the same in wad.
    const view = (await publicHttp(node.url).readContract({
      address: MARGIN_ADDRESS,
      abi: MARGIN_ABI,
      functionName: 'lendingMarket',
      args: [USDC],
      blockNumber: t1,
    })) as readonly bigint[]
    expect(view).toEqual([
      parseWad(m1.USDC.supplied),
      parseWad(m1.USDC.borrowed),
      parseWad(m1.USDC.borrowRate),
      parseWad(m1.USDC.supplyRate),
    ])
  }, 60_000)

  it('refuses a negative balance of an asset no pool lends: "not borrowable"', async () => {
    expect(await reason(devAccounts[5], 'transfer', [devAccounts[6].address, WBTC, W])).toContain('not borrowable')
  })

  it('refuses a borrow past the cap: "borrow cap"', async () => {
    // 150,000 (and interest) borrowed; 100,000 more passes the margin rule but not the cap.
    expect(await reason(devAccounts[5], 'transfer', [devAccounts[6].address, USDC, 1_100_000n * W])).toContain('borrow cap')
    expect(await reason(devAccounts[5], 'transfer', [devAccounts[6].address, USDC, 1_020_000n * W])).toBe('no revert')
  })

  it('refuses a withdrawal of supplied funds that are lent out: "insufficient liquidity"', async () => {
    // Six accounts each send 200 WETH (borrowing 100) to account 2: 600 WETH borrowed, 1,000 in
    // cash, 1,300 held by account 2.
    const to = devAccounts[2]
    for (const i of [4, 5, 6, 7, 8, 0])
      expect((await send(devAccounts[i], 'transfer', [to.address, WETH, 200n * W])).status).toBe('success')
    const head = await publicHttp(node.url).getBlockNumber()
    const m = await markets(head)
    expect(m.WETH.borrowed.startsWith('600')).toBe(true)
    expect(parseWad(m.WETH.cash) <= 1000n * W).toBe(true)
    expect(await reason(to, 'withdraw', [WETH, 1_100n * W, to.address])).toContain('insufficient liquidity')
    expect((await send(to, 'withdraw', [WETH, 900n * W, to.address])).status).toBe('success')
    const after = await markets(await publicHttp(node.url).getBlockNumber())
    expect(parseWad(after.WETH.cash) >= 0n && parseWad(after.WETH.cash) <= 100n * W).toBe(true)
  }, 90_000)
})
