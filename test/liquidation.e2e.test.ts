/**
 * Liquidation end to end with viem against the real node (issue 6, SPEC section 6): a short-call
 * account opened near its IM limit, ETH pushed up 25% by the feeder, liquidated in the block of
 * the push — only part of the position, back to health ≥ 0, against the insurance fund, which
 * takes the penalty; the counterparty untouched; sizes zero-sum. Then a gap move that leaves
 * negative equity: everything closed, `BadDebt`, the fund pays.
 */
import { formatUnits, type Hex, parseAbi, parseEther, parseUnits } from 'viem'
import { privateKeyToAccount } from 'viem/accounts'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { priceUpdateHash } from '../execution/oracle/priceUpdateHash.ts'
import { MARGIN_ABI } from '../execution/precompiles/margin.ts'
import { exampleArtifacts } from '../genesis/contracts/exampleContracts.ts'
import { DEV_OPTIONS_VENUE } from '../genesis/dev.ts'
import { INSURANCE_FUND_ADDRESS, MARGIN_ADDRESS, ORACLE_ADDRESS } from '../state/system/addresses.ts'
import { devAccounts, publicHttp, walletHttp } from './support/clients.ts'
import { devOptionName, genesisTimeOf } from './support/devNames.ts'
import { type NodeInstance, startNode } from './support/node.ts'
import { openWs, type RiskReportJson as Report, rpcResult, type WsRpc } from './support/rpc.ts'

const W = 10n ** 18n
const USDC = 1
// The dev market's latest expiry (90 days after the chain's genesis, which is dated at its birth):
// its ETH 3000 call, named once the node runs.
let CALL: string
const venueAbi = exampleArtifacts().OptionsVenue.abi
const oracleAbi = parseAbi([
  'function submitPrices(uint32[] underlyingIds, uint256[] prices, uint256[] vols, uint64 timestamp, bytes[] signatures)',
])
const [funder, maker, feeder] = [devAccounts[7], devAccounts[4], devAccounts[9]]
// Fresh accounts, so their margin holds only what the test gives them.
const shortCall = privateKeyToAccount('0x1111111111111111111111111111111111111111111111111111111111111111')
const gapper = privateKeyToAccount('0x2222222222222222222222222222222222222222222222222222222222222222')
type Signer = typeof funder | typeof shortCall

interface Liquidation {
  type: 'liquidation' | 'badDebt'
  blockNumber: number
  account: Hex
  kind?: 'position' | 'collateral'
  instrumentId?: number
  name?: string
  sizeClosed?: string
  price?: string
  penalty?: string
  amount?: string
}

let node: NodeInstance
let ws: WsRpc
let callId: number
let lastPriceTime = 0n
const rpc = <T>(method: string, params: unknown[] = []) => rpcResult<T>(node.url, method, params)
const wad = (s: string) => parseUnits(s, 18)

async function send(account: Signer, to: Hex, abi: unknown, functionName: string, args: unknown[], value?: bigint) {
  const hash = await walletHttp(node.url, account as never).writeContract({
    address: to,
    abi: abi as never,
    functionName: functionName as never,
    args: args as never,
    gas: 3_000_000n,
    value,
  } as never)
  const receipt = await publicHttp(node.url).waitForTransactionReceipt({ hash, timeout: 30_000 })
  expect(receipt.status, `${functionName} by ${account.address}`).toBe('success')
  return receipt
}

/** The feeder signs ETH at `eth` (vol 0.6) and the other underlyings unchanged; returns the block. */
async function pushPrices(eth: bigint): Promise<bigint> {
  const client = publicHttp(node.url)
  // A price needs a timestamp newer than the one in force (the genesis's at first) and not ahead of the chain.
  let timestamp = (await client.getBlock()).timestamp
  while (timestamp <= lastPriceTime) {
    await new Promise((r) => setTimeout(r, 250))
    timestamp = (await client.getBlock()).timestamp
  }
  lastPriceTime = timestamp
  const update = {
    underlyingIds: [1, 2, 3],
    prices: [eth, 60_000n * W, 100n * W],
    vols: [(6n * W) / 10n, (5n * W) / 10n, (3n * W) / 10n],
    timestamp,
  }
  const sig = await feeder.signMessage({ message: { raw: priceUpdateHash(31338n, update) } })
  const receipt = await send(funder, ORACLE_ADDRESS, oracleAbi, 'submitPrices', [
    update.underlyingIds,
    update.prices,
    update.vols,
    timestamp,
    [sig],
  ])
  return receipt.blockNumber
}

const balanceOf = (account: Hex, asset: number, blockNumber?: bigint) =>
  publicHttp(node.url).readContract({
    address: MARGIN_ADDRESS,
    abi: MARGIN_ABI,
    functionName: 'balanceOf',
    args: [account, asset],
    blockNumber,
  }) as Promise<bigint>
const positionOf = async (account: Hex, blockNumber?: bigint) =>
  (
    (await publicHttp(node.url).readContract({
      address: MARGIN_ADDRESS,
      abi: MARGIN_ABI,
      functionName: 'positionOf',
      args: [account, callId],
      blockNumber,
    })) as [bigint, bigint]
  )[0]

/**
 * Gives `who` gas money and just enough USDC to sell `size` calls at the mark with equity about
 * 3% above the initial margin, then sells them to the maker on the options venue.
 */
async function openShortCalls(who: Signer, size: bigint): Promise<void> {
  const client = publicHttp(node.url)
  const hash = await walletHttp(node.url, funder).sendTransaction({ to: who.address, value: parseEther('1') })
  await client.waitForTransactionReceipt({ hash })
  const position = { instrument: CALL, size: formatUnits(-size, 18) }
  // After the sale the account holds the USDC sent plus the premium, its equity is the USDC sent,
  // and USDC adds 1.3 × 0.02 (imMultiplier × its haircut) per unit to IM: solve for 3% above IM.
  const bare = await rpc<Report>('margin_simulate', [{ positions: [position] }])
  const mark = await markOf(CALL)
  const premium = Number(formatUnits((size * mark) / W, 18))
  const k = 1.3 * 0.02
  const usdc = (1.03 * (Number(bare.initialMargin) + k * premium)) / (1 - 1.03 * k)
  await send(funder, MARGIN_ADDRESS, MARGIN_ABI, 'transfer', [who.address, USDC, wad(usdc.toFixed(6))])
  await send(who, MARGIN_ADDRESS, MARGIN_ABI, 'setOperator', [DEV_OPTIONS_VENUE, true])
  await send(maker, DEV_OPTIONS_VENUE, venueAbi, 'quote', [callId, size, mark, false])
  const quoteId = (await client.readContract({ address: DEV_OPTIONS_VENUE, abi: venueAbi, functionName: 'quoteCount' })) as bigint
  await send(who, DEV_OPTIONS_VENUE, venueAbi, 'fill', [quoteId, size])
}

/** The mark of an option now (wad, whole cents), from a one-unit simulation. */
async function markOf(name: string): Promise<bigint> {
  const r = await rpc<{ equity: string }>('margin_simulate', [{ positions: [{ instrument: name, size: '1' }] }])
  return (wad(r.equity) / (W / 100n)) * (W / 100n)
}

describe('liquidation (feeder-signed prices, no random feeder)', () => {
  beforeAll(async () => {
    node = await startNode({ args: ['--no-feeder'], startTimeoutMs: 90_000 })
    ws = await openWs(node.wsUrl)
    CALL = devOptionName(await genesisTimeOf(node.url), 'ETH', 2, 3000, 'C')
    const markets = await rpc<{ instruments: { id: number; name: string }[] }>('margin_getMarkets')
    callId = markets.instruments.find((i) => i.name === CALL)!.id
    lastPriceTime = (await publicHttp(node.url).getBlock({ blockNumber: 0n })).timestamp
    await pushPrices(3000n * W) // fresh prices: trading needs them
    await send(maker, MARGIN_ADDRESS, MARGIN_ABI, 'setOperator', [DEV_OPTIONS_VENUE, true])
  }, 180_000)
  afterAll(async () => {
    ws?.close()
    await node?.dispose()
  })

  it('a short call near its IM limit, ETH +25%: partly closed against the fund in that block, health ≥ 0', async () => {
    await openShortCalls(shortCall, 10n * W)
    const before = await rpc<Report>('margin_getRiskReport', [shortCall.address])
    expect(Number(before.equity)).toBeGreaterThanOrEqual(Number(before.initialMargin))
    expect(Number(before.equity)).toBeLessThan(Number(before.initialMargin) * 1.1)
    const makerBefore = await positionOf(maker.address)
    const fundUsdcBefore = await balanceOf(INSURANCE_FUND_ADDRESS, USDC)
    const sub = (await ws.call('eth_subscribe', ['marginHealth', shortCall.address])).result as string

    const pushed = await pushPrices(3750n * W)

    // Liquidated in the block of the push, by its last (system) transaction.
    const events = await rpc<Liquidation[]>('margin_getLiquidations', [`0x${pushed.toString(16)}`, 'latest'])
    const mine = events.filter((e) => e.account === shortCall.address.toLowerCase())
    expect(mine).toHaveLength(1)
    const [closure] = mine
    expect(closure).toMatchObject({ type: 'liquidation', blockNumber: Number(pushed), kind: 'position', instrumentId: callId, name: CALL })
    // Part of the short, not all of it.
    const closed = wad(closure.sizeClosed!)
    expect(closed).toBeLessThan(0n)
    expect(closed).toBeGreaterThan(-10n * W)
    expect(await positionOf(shortCall.address, pushed)).toBe(-10n * W - closed)
    const after = await rpc<Report>('margin_getRiskReport', [shortCall.address, `0x${pushed.toString(16)}`])
    expect(Number(after.health)).toBeGreaterThanOrEqual(0)
    expect(after.liquidatable).toBe(false)
    // Restored to the buffer: E ≥ MM × 1.1 (liquidationBuffer 0.1), give or take the last step.
    expect(Number(after.equity)).toBeGreaterThanOrEqual(Number(after.maintenanceMargin) * 1.1 - 1)

    // The counterparty is untouched; the fund holds the other side; sizes stay zero-sum.
    expect(await positionOf(maker.address, pushed)).toBe(makerBefore)
    expect(await positionOf(INSURANCE_FUND_ADDRESS, pushed)).toBe(closed)
    expect(
      (await positionOf(shortCall.address, pushed)) +
        (await positionOf(maker.address, pushed)) +
        (await positionOf(INSURANCE_FUND_ADDRESS, pushed)),
    ).toBe(0n)
    // The fund was paid the premium of what it sold at mark, and the penalty (1% of notional).
    const price = wad(closure.price!)
    const penalty = wad(closure.penalty!)
    expect(Number(closure.penalty)).toBeCloseTo((Number(-closed) / 1e18) * 3750 * 0.01, 6)
    expect(await balanceOf(INSURANCE_FUND_ADDRESS, USDC, pushed)).toBe(fundUsdcBefore + (-closed * price) / W + penalty)

    // The event is in the receipt of the block's last transaction, a system transaction.
    const client = publicHttp(node.url)
    const logs = await client.getContractEvents({
      address: MARGIN_ADDRESS,
      abi: MARGIN_ABI,
      eventName: 'Liquidation',
      fromBlock: pushed,
      toBlock: pushed,
    })
    expect(logs.map((l) => l.args)).toContainEqual({ account: shortCall.address, instrumentId: callId, sizeClosed: closed, price, penalty })
    const block = await client.getBlock({ blockNumber: pushed })
    expect(logs[0].transactionHash).toBe(block.transactions[block.transactions.length - 1])
    const receipt = await client.getTransactionReceipt({ hash: logs[0].transactionHash })
    expect(receipt).toMatchObject({ status: 'success', gasUsed: 0n, from: '0xfffffffffffffffffffffffffffffffffffffffe' })

    // marginHealth tells the subscriber in the push's block.
    const notes = await ws.waitFor(sub, 1, 10_000)
    await until(() => ws.notifications(sub).some((n) => n.blockNumber === `0x${pushed.toString(16)}`))
    const note = ws.notifications(sub).find((n) => n.blockNumber === `0x${pushed.toString(16)}`)
    expect(notes.length).toBeGreaterThan(0)
    expect(note.liquidations).toEqual([
      expect.objectContaining({ type: 'liquidation', instrumentId: callId, sizeClosed: closure.sizeClosed }),
    ])
    expect(Number(note.health)).toBeGreaterThanOrEqual(0)
  })

  it('a gap move past the collateral: everything closed, BadDebt, the fund pays', async () => {
    await openShortCalls(gapper, 20n * W)
    const fundBefore = await rpc<{ history: { equity: string }[] }>('margin_getInsuranceFund', ['latest', 'latest'])
    // ETH +50 % in one update: the largest gap the Oracle takes (dev oracle.maxMove 0.5)
    const pushed = await pushPrices(5625n * W)
    const events = (await rpc<Liquidation[]>('margin_getLiquidations', [`0x${pushed.toString(16)}`, `0x${pushed.toString(16)}`])).filter(
      (e) => e.account === gapper.address.toLowerCase(),
    )
    const closures = events.filter((e) => e.type === 'liquidation')
    const badDebt = events.find((e) => e.type === 'badDebt')
    expect(closures.length).toBeGreaterThan(0)
    expect(closures.filter((e) => e.kind === 'position').reduce((s, e) => s + wad(e.sizeClosed!), 0n)).toBe(-20n * W)
    expect(badDebt).toBeDefined()
    expect(Number(badDebt!.amount)).toBeGreaterThan(0)
    // Nothing left: no position, no negative balance; the account's equity is exactly 0.
    expect(await positionOf(gapper.address, pushed)).toBe(0n)
    const account = await rpc<{ balances: { amount: string }[]; positions: { size: string }[] }>('margin_getAccount', [
      gapper.address,
      `0x${pushed.toString(16)}`,
    ])
    expect(account.balances.every((b) => Number(b.amount) >= 0)).toBe(true)
    expect(account.positions.every((p) => p.size === '0')).toBe(true)
    // The fund's history shows the block, its equity lower by at least the bad debt it absorbed.
    const fund = await rpc<{ address: Hex; history: { blockNumber: number; equity: string; liquidations: number }[] }>(
      'margin_getInsuranceFund',
      [`0x${(pushed - 1n).toString(16)}`, `0x${pushed.toString(16)}`],
    )
    expect(fund.address).toBe(INSURANCE_FUND_ADDRESS)
    const at = fund.history.find((h) => h.blockNumber === Number(pushed))!
    expect(at.liquidations).toBeGreaterThan(0)
    expect(Number(fundBefore.history[0].equity)).toBeGreaterThan(Number(at.equity))
    const logs = await publicHttp(node.url).getContractEvents({
      address: MARGIN_ADDRESS,
      abi: MARGIN_ABI,
      eventName: 'BadDebt',
      fromBlock: pushed,
      toBlock: pushed,
    })
    expect(logs.map((l) => l.args.account)).toContain(gapper.address)
  })

  it('margin_getLiquidations refuses a reversed range and a bad tag', async () => {
    await expect(rpc('margin_getLiquidations', ['0x5', '0x1'])).rejects.toThrow(/-32602 fromBlock is after toBlock/)
    await expect(rpc('margin_getLiquidations', ['soon'])).rejects.toThrow(/-32602/)
  })
})

async function until(fn: () => boolean, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs
  while (!fn()) {
    if (Date.now() > deadline) throw new Error('timed out')
    await new Promise((r) => setTimeout(r, 50))
  }
}
