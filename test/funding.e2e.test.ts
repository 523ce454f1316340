/**
 * Perpetual funding end to end with viem against the real node (SPEC 6.3, issue 16): a genesis
 * with one-minute funding intervals; a trader buys ETH-PERP 10 % above its index; at the first
 * block at or after the next boundary the rate is set from that VWAP and the index, the long owes
 * and the short is owed (`fundingAccrued`); the next fill settles both into USDC with
 * `FundingPaid`, zero-sum (the insurance fund, which carries the payments, ends where it began).
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { decodeEventLog, type Hex, parseAbi, parseUnits } from 'viem'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { MARGIN_ABI } from '../execution/precompiles/margin.ts'
import { exampleArtifacts } from '../genesis/contracts/exampleContracts.ts'
import { DEV_PERP_VENUE, devGenesisDocument } from '../genesis/dev.ts'
import { formatWad } from '../lib/fixed.ts'
import { INSURANCE_FUND_ADDRESS, MARGIN_ADDRESS, ORACLE_ADDRESS } from '../state/system/addresses.ts'
import { devAccounts, publicHttp, walletHttp } from './support/clients.ts'
import { type NodeInstance, startNode } from './support/node.ts'
import { rpcResult } from './support/rpc.ts'

const W = 10n ** 18n
const USDC = 1
const INTERVAL = 60n
const venueAbi = exampleArtifacts().PerpVenue.abi
const oracleAbi = parseAbi(['function priceOf(uint32 underlyingId) view returns (uint256 price, uint256 vol, uint64 timestamp)'])
const [long, short] = [devAccounts[3], devAccounts[4]]

interface PerpView {
  id: number
  name: string
  markPrice: string
  fundingRate: string
  cumulativeFunding: string
  nextFundingTime: number
}
interface AccountView {
  positions: { instrumentId: number; size: string; fundingAccrued?: string }[]
}

let node: NodeInstance
let dir: string
const rpc = <T>(method: string, params: unknown[] = []) => rpcResult<T>(node.url, method, params)
const client = () => publicHttp(node.url)
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms))

async function send(account: (typeof devAccounts)[number], to: Hex, abi: unknown, functionName: string, args: unknown[]) {
  const hash = await walletHttp(node.url, account).writeContract({
    address: to,
    abi: abi as never,
    functionName: functionName as never,
    args: args as never,
    gas: 3_000_000n,
  })
  const receipt = await client().waitForTransactionReceipt({ hash, timeout: 30_000 })
  expect(receipt.status, functionName).toBe('success')
  return receipt
}

/** `short` quotes, `long` fills: `size` moves from short to long (`shortSells`) or back. */
async function trade(perp: number, size: bigint, price: bigint, shortSells: boolean) {
  const [maker, taker] = [short, long]
  await send(maker, DEV_PERP_VENUE, venueAbi, 'quote', [perp, size, price, shortSells])
  const id = (await client().readContract({ address: DEV_PERP_VENUE, abi: venueAbi, functionName: 'quoteCount' })) as bigint
  return send(taker, DEV_PERP_VENUE, venueAbi, 'fill', [id, size])
}

const perpAt = async (tag: Hex | 'latest' = 'latest') =>
  (await rpc<{ instruments: PerpView[] }>('margin_getMarkets', [tag])).instruments.find((i) => i.name === 'ETH-PERP')!
const usdc = (who: Hex, blockNumber?: bigint) =>
  client().readContract({ address: MARGIN_ADDRESS, abi: MARGIN_ABI, functionName: 'balanceOf', args: [who, USDC], blockNumber })
const hex = (n: bigint) => `0x${n.toString(16)}` as Hex

describe('perpetual funding (one-minute intervals)', () => {
  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'unimargin-funding-'))
    const genesis = join(dir, 'genesis.json')
    const doc = devGenesisDocument()
    const margin = doc.margin as Record<string, unknown>
    writeFileSync(genesis, JSON.stringify({ ...doc, margin: { ...margin, funding: { intervalSeconds: 60, maxRate: 0.0005 } } }))
    node = await startNode({ args: ['--genesis', genesis, '--feeder-interval', '1000'], startTimeoutMs: 90_000 })
    for (const who of [long, short]) await send(who, MARGIN_ADDRESS, MARGIN_ABI, 'setOperator', [DEV_PERP_VENUE, true])
    // The genesis prices are dated at 2026-01-01: wait for the feeder's first fresh one.
    for (let i = 0; i < 120; i++) {
      const [, , ts] = await client().readContract({ address: ORACLE_ADDRESS, abi: oracleAbi, functionName: 'priceOf', args: [1] })
      if (ts + 30n >= (await client().getBlock()).timestamp) break
      await sleep(500)
    }
  }, 180_000)
  afterAll(async () => {
    await node?.dispose()
    if (dir) rmSync(dir, { recursive: true, force: true })
  })

  it('a perp traded above its index pays the shorts at the next boundary, settled with FundingPaid, zero-sum', async () => {
    const params = await rpc<{ funding: { intervalSeconds: number; maxRate: number } }>('margin_getRiskParams')
    expect(params.funding).toEqual({ intervalSeconds: 60, maxRate: 0.0005 })
    const perp = (await perpAt()).id
    // Early in an interval, so the fill and its boundary are not minutes apart.
    while ((await client().getBlock()).timestamp % INTERVAL > 40n) await sleep(500)

    const [index] = await client().readContract({ address: ORACLE_ADDRESS, abi: oracleAbi, functionName: 'priceOf', args: [1] })
    const price = ((index * 11n) / 10n / W) * W // 10 % over the index, whole dollars
    const fill = await trade(perp, 10n * W, price, true)
    const filledAt = (await client().getBlock({ blockNumber: fill.blockNumber })).timestamp
    const boundary = (filledAt / INTERVAL) * INTERVAL + INTERVAL
    const during = await perpAt(hex(fill.blockNumber))
    expect(during.markPrice).toBe(formatWad(price)) // the interval's VWAP
    expect(during.nextFundingTime).toBe(Number(boundary))

    // The first block at or after the boundary closes the interval.
    let closing = fill.blockNumber
    for (;;) {
      const head = await client().getBlock()
      if (head.timestamp >= boundary) {
        while ((await client().getBlock({ blockNumber: closing })).timestamp < boundary) closing += 1n
        break
      }
      await sleep(500)
    }
    // S is the index the block starts with: the parent's oracle state.
    const [s] = await client().readContract({
      address: ORACLE_ADDRESS,
      abi: oracleAbi,
      functionName: 'priceOf',
      args: [1],
      blockNumber: closing - 1n,
    })
    let rate = ((price - s) * W * INTERVAL) / (s * 28_800n)
    const cap = (5n * W) / 10_000n
    rate = rate > cap ? cap : rate < -cap ? -cap : rate
    const cumulative = (rate * s) / W
    expect(rate > 0n).toBe(true)
    const before = await perpAt(hex(closing - 1n))
    expect(before.cumulativeFunding).toBe('0')
    const after = await perpAt(hex(closing))
    expect(after.fundingRate).toBe(formatWad(rate))
    expect(after.cumulativeFunding).toBe(formatWad(cumulative))
    expect(after.nextFundingTime).toBe(Number(boundary + INTERVAL))
    expect(after.markPrice).not.toBe(formatWad(price)) // a new interval: the index until a fill

    // Accrued at once: the long owes size × cumulative, the short is owed as much.
    const owed = 10n * cumulative
    const accrued = async (who: Hex, tag: Hex | 'latest') =>
      (await rpc<AccountView>('margin_getAccount', [who, tag])).positions.find((p) => p.instrumentId === perp)?.fundingAccrued
    expect(await accrued(long.address, hex(closing))).toBe(formatWad(owed))
    expect(await accrued(short.address, hex(closing))).toBe(formatWad(-owed))

    // The next change of the positions settles both into USDC, through the fund: zero-sum.
    const cumNow = parseUnits((await perpAt()).cumulativeFunding, 18)
    expect(cumNow).toBe(cumulative) // no fill since, so no interval closed since
    const fundBefore = await usdc(INSURANCE_FUND_ADDRESS)
    const longBefore = await usdc(long.address)
    const back = await trade(perp, 4n * W, price, false)
    const paid = back.logs
      .filter((l) => l.address.toLowerCase() === MARGIN_ADDRESS)
      .map((l) => decodeEventLog({ abi: MARGIN_ABI, data: l.data, topics: l.topics }))
      .filter((e) => e.eventName === 'FundingPaid')
      .map((e) => e.args as { account: Hex; instrumentId: number; amount: bigint })
    expect(paid).toEqual(
      expect.arrayContaining([
        { account: long.address, instrumentId: perp, amount: owed },
        { account: short.address, instrumentId: perp, amount: -owed },
      ]),
    )
    expect(paid).toHaveLength(2)
    expect(paid.reduce((sum, p) => sum + p.amount, 0n)).toBe(0n)
    expect(await usdc(INSURANCE_FUND_ADDRESS, back.blockNumber)).toBe(fundBefore)
    // The long paid its funding (the closed 4 were sold at their entry: no P&L).
    expect(await usdc(long.address, back.blockNumber)).toBe(longBefore - owed)
    expect(await accrued(long.address, hex(back.blockNumber))).toBe('0')
    expect(await accrued(short.address, hex(back.blockNumber))).toBe('0')
  }, 240_000)
})
