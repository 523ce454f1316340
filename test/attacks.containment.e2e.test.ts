/**
 * Issue 14's containment attacks against a real node, with viem: each fails with a clear error,
 * the node keeps producing blocks and answering, every balance stays, and a restart finds the
 * same state.
 * - the premium overflow: a quote of size 2^199 at 2^199 filled (once wiped the whole state);
 * - a fill whose premium fits the bounds but not the buyer's margin;
 * - `RiskKernel.marginOf` on an account whose equity would overflow int256 (an `eth_call` with a
 *   state override of the balance word);
 * - collateral sent to the zero address, the insurance fund, a precompile; a withdrawal of an
 *   asset never held.
 */
import { encodeFunctionData, type Hex, parseUnits } from 'viem'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { MARGIN_ABI } from '../execution/precompiles/margin.ts'
import { RISK_KERNEL_ABI } from '../execution/precompiles/riskKernel.ts'
import { exampleArtifacts } from '../genesis/contracts/exampleContracts.ts'
import { DEV_OPTIONS_VENUE, DEV_PERP_VENUE } from '../genesis/dev.ts'
import { mappingSlot } from '../state/contractStorage.ts'
import { INSURANCE_FUND_ADDRESS, MARGIN_ADDRESS, RISK_KERNEL_ADDRESS } from '../state/system/addresses.ts'
import { devAccounts, publicHttp, walletHttp } from './support/clients.ts'
import { type NodeInstance, startNode } from './support/node.ts'
import { rpc, rpcResult } from './support/rpc.ts'

const W = 10n ** 18n
const venueAbi = exampleArtifacts().OptionsVenue.abi
const [buyer, maker, bystander] = [devAccounts[3], devAccounts[4], devAccounts[5]]
let node: NodeInstance

type Dev = (typeof devAccounts)[number]

async function send(account: Dev, to: Hex, abi: unknown, functionName: string, args: unknown[]) {
  const hash = await walletHttp(node.url, account).writeContract({
    address: to,
    abi: abi as never,
    functionName: functionName as never,
    args: args as never,
    gas: 3_000_000n,
  })
  return publicHttp(node.url).waitForTransactionReceipt({ hash, timeout: 30_000 })
}

/** The revert reason of `functionName` as `account` would call it now. */
async function reason(account: Dev, to: Hex, abi: unknown, functionName: string, args: unknown[]): Promise<string> {
  try {
    await publicHttp(node.url).simulateContract({
      account,
      address: to,
      abi: abi as never,
      functionName: functionName as never,
      args: args as never,
    })
  } catch (err) {
    return String((err as Error).message)
  }
  return 'no revert'
}

interface AccountJson {
  balances: { assetId: number; amount: string }[]
  positions: unknown[]
}

/** Every dev account's margin balances, as `margin_getAccount` shows them. */
async function snapshot(): Promise<Record<string, AccountJson['balances']>> {
  const out: Record<string, AccountJson['balances']> = {}
  for (const a of devAccounts) out[a.address] = (await rpcResult<AccountJson>(node.url, 'margin_getAccount', [a.address])).balances
  out.fund = (await rpcResult<AccountJson>(node.url, 'margin_getAccount', [INSURANCE_FUND_ADDRESS])).balances
  return out
}

/** Waits until the dev feeder has priced every underlying within the last 30 s. */
async function freshPrices(): Promise<void> {
  for (;;) {
    const m = await rpcResult<{ underlyings: { timestamp: number }[] }>(node.url, 'margin_getMarkets')
    if (m.underlyings.every((u) => u.timestamp > Date.now() / 1000 - 30)) return
    await new Promise((r) => setTimeout(r, 250))
  }
}

/** `eth_blockNumber` answers within `ms` and keeps rising. */
async function stillLive(ms = 1_000): Promise<void> {
  const client = publicHttp(node.url)
  const t = performance.now()
  const a = await client.getBlockNumber({ cacheTime: 0 })
  expect(performance.now() - t).toBeLessThan(ms)
  await new Promise((r) => setTimeout(r, 2_500)) // the 2 s heartbeat makes a block even when idle
  expect(await client.getBlockNumber({ cacheTime: 0 })).toBeGreaterThan(a)
}

describe('containment attacks on a real node', () => {
  let before: Awaited<ReturnType<typeof snapshot>>

  beforeAll(async () => {
    node = await startNode({ startTimeoutMs: 90_000 })
    for (const who of [buyer, maker]) {
      for (const venue of [DEV_OPTIONS_VENUE, DEV_PERP_VENUE]) {
        expect((await send(who, MARGIN_ADDRESS, MARGIN_ABI, 'setOperator', [venue, true])).status).toBe('success')
      }
    }
    await freshPrices()
    before = await snapshot()
  }, 180_000)
  afterAll(() => node?.dispose())

  it('refuses the premium overflow (size 2^199 at 2^199) and keeps the state', async () => {
    const big = 2n ** 199n
    expect((await send(maker, DEV_OPTIONS_VENUE, venueAbi, 'quote', [3, big, big, true])).status).toBe('success')
    const id = (await publicHttp(node.url).readContract({
      address: DEV_OPTIONS_VENUE,
      abi: venueAbi,
      functionName: 'quoteCount',
    })) as bigint
    expect(await reason(buyer, DEV_OPTIONS_VENUE, venueAbi, 'fill', [id, big])).toContain('size or price too large')
    expect((await send(buyer, DEV_OPTIONS_VENUE, venueAbi, 'fill', [id, big])).status).toBe('reverted')
    await stillLive()
    expect(await snapshot()).toEqual(before)
  }, 60_000)

  it('refuses a premium within the bounds that the buyer cannot pay', async () => {
    const edge = 2n ** 120n
    await freshPrices()
    expect((await send(maker, DEV_OPTIONS_VENUE, venueAbi, 'quote', [3, edge, edge, true])).status).toBe('success')
    const id = (await publicHttp(node.url).readContract({
      address: DEV_OPTIONS_VENUE,
      abi: venueAbi,
      functionName: 'quoteCount',
    })) as bigint
    expect(await reason(buyer, DEV_OPTIONS_VENUE, venueAbi, 'fill', [id, edge])).toContain('insufficient margin')
    expect((await send(buyer, DEV_OPTIONS_VENUE, venueAbi, 'fill', [id, edge])).status).toBe('reverted')
    expect(await snapshot()).toEqual(before)
  }, 60_000)

  it('answers marginOf on an equity beyond int256 with a revert, not a dead node', async () => {
    const slot = `0x${mappingSlot(2n, buyer.address.toLowerCase() as Hex, 2)
      .toString(16)
      .padStart(64, '0')}` as Hex
    // WETH is pooled (SPEC 6.2): the slot holds scaled principal, read at the pool's supply index
    // (slot 17 + 0). 2^254 principal at an index of 2^254: ~10^108 wad of WETH at ~3,000 USD, an
    // equity past int256.
    const huge = `0x${(2n ** 254n).toString(16).padStart(64, '0')}` as Hex
    const indexSlot = `0x${mappingSlot(17n, 2).toString(16).padStart(64, '0')}` as Hex
    const res = await rpc(node.url, 'eth_call', [
      { to: RISK_KERNEL_ADDRESS, data: encodeFunctionData({ abi: RISK_KERNEL_ABI, functionName: 'marginOf', args: [buyer.address] }) },
      'latest',
      { [MARGIN_ADDRESS]: { stateDiff: { [slot]: huge, [indexSlot]: huge } } },
    ])
    expect(res.error?.code).toBe(3)
    expect(res.error?.message).toContain('equity out of range')
    // Without the override it answers the account's real figures.
    const [equity] = (await publicHttp(node.url).readContract({
      address: RISK_KERNEL_ADDRESS,
      abi: RISK_KERNEL_ABI,
      functionName: 'marginOf',
      args: [buyer.address],
    })) as [bigint, bigint, bigint]
    expect(equity).toBeGreaterThan(1_000_000n * W)
    await stillLive()
  }, 60_000)

  it('refuses collateral to the zero address, the fund, a precompile, and a withdrawal never funded', async () => {
    await freshPrices()
    const cases: [Hex, string][] = [
      ['0x0000000000000000000000000000000000000000', 'transfer to the zero address'],
      [INSURANCE_FUND_ADDRESS, 'transfer to the insurance fund'],
      [MARGIN_ADDRESS, 'transfer to a precompile'],
      ['0x0000000000000000000000000000000000000001', 'transfer to a precompile'],
    ]
    for (const [to, why] of cases) {
      expect(await reason(bystander, MARGIN_ADDRESS, MARGIN_ABI, 'transfer', [to, 1, 5n * W])).toContain(why)
    }
    // WBTC (asset 3) was never deposited to the bystander: nothing to take to L1.
    expect(await reason(bystander, MARGIN_ADDRESS, MARGIN_ABI, 'withdraw', [3, W, bystander.address])).toContain('insufficient balance')
    expect((await send(bystander, MARGIN_ADDRESS, MARGIN_ABI, 'withdraw', [3, W, bystander.address])).status).toBe('reverted')
    // A withdrawal of what it holds still works.
    expect((await send(bystander, MARGIN_ADDRESS, MARGIN_ABI, 'withdraw', [1, parseUnits('10', 18), bystander.address])).status).toBe(
      'success',
    )
    const after = await snapshot()
    expect(after[bystander.address].find((b) => b.assetId === 1)?.amount).toBe('999990')
  }, 60_000)

  it('finds the same state after a restart', async () => {
    const client = publicHttp(node.url)
    const head = await client.getBlock({ blockTag: 'latest' })
    const balances = await snapshot()
    await node.restart()
    const same = await publicHttp(node.url).getBlock({ blockNumber: head.number })
    expect(same.stateRoot).toBe(head.stateRoot)
    expect(await snapshot()).toEqual(balances)
    await stillLive()
  }, 90_000)
})
