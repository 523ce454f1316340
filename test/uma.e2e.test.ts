/**
 * The mission, end to end with viem against the real node: a trader buys ETH calls on the options
 * venue and sells ETH perps on the perp venue; one Universal Margin Account margins both, the perp
 * nets the calls' delta, and the maintenance margin is below the sum of the legs' margins. Then
 * every refusal of SPEC section 4 a user can meet.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { formatUnits, type Hex, parseAbi, parseUnits } from 'viem'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { MARGIN_ABI } from '../execution/precompiles/margin.ts'
import { exampleArtifacts } from '../genesis/contracts/exampleContracts.ts'
import { DEV_OPTIONS_VENUE, DEV_PERP_VENUE, devGenesisDocument } from '../genesis/dev.ts'
import { compileSolidity } from '../lib/solc.ts'
import { MARGIN_ADDRESS, RISK_KERNEL_ADDRESS } from '../state/system/addresses.ts'
import { devAccounts, publicHttp, walletHttp } from './support/clients.ts'
import { devOptionName, genesisTimeOf } from './support/devNames.ts'
import { type NodeInstance, startNode } from './support/node.ts'
import { openWs, type RiskReportJson as Report, rpcResult } from './support/rpc.ts'

const W = 10n ** 18n
const venueAbi = exampleArtifacts().OptionsVenue.abi
const [trader, maker, stranger, writer] = [devAccounts[3], devAccounts[4], devAccounts[5], devAccounts[6]]

const KERNEL_READER = `
pragma solidity ^0.8.20;
interface IRiskKernel { function marginOf(address) external view returns (int256, uint256, uint256); }
contract KernelReader {
  function read(address a) external view returns (int256 equity, uint256 im, uint256 mm) {
    return IRiskKernel(0x0000000000000000000000000000000000000a01).marginOf(a);
  }
}`

let node: NodeInstance
const rpc = <T>(method: string, params: unknown[] = []) => rpcResult<T>(node.url, method, params)

async function send(
  account: (typeof devAccounts)[number],
  to: Hex,
  abi: typeof venueAbi | typeof MARGIN_ABI,
  functionName: string,
  args: unknown[],
) {
  const wallet = walletHttp(node.url, account)
  const client = publicHttp(node.url)
  const hash = await wallet.writeContract({
    address: to,
    abi: abi as never,
    functionName: functionName as never,
    args: args as never,
    gas: 3_000_000n,
  })
  return client.waitForTransactionReceipt({ hash, timeout: 30_000 })
}

/** The revert reason `account` would meet calling `functionName` now. */
async function reason(
  account: (typeof devAccounts)[number],
  to: Hex,
  abi: typeof venueAbi | typeof MARGIN_ABI,
  functionName: string,
  args: unknown[],
) {
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

async function instrumentId(name: string): Promise<number> {
  const markets = await rpc<{ instruments: { id: number; name: string }[] }>('margin_getMarkets')
  const found = markets.instruments.find((i) => i.name === name)
  if (!found) throw new Error(`no instrument ${name}`)
  return found.id
}

async function quoteAndFill(venue: Hex, instrument: number, size: bigint, price: bigint, makerSells: boolean, taker = trader) {
  const q = await send(maker, venue, venueAbi, 'quote', [instrument, size, price, makerSells])
  expect(q.status).toBe('success')
  const id = (await publicHttp(node.url).readContract({ address: venue, abi: venueAbi, functionName: 'quoteCount' })) as bigint
  return send(taker, venue, venueAbi, 'fill', [id, size])
}

const num = (s: string) => Number(s)

describe('Universal Margin Account (feeder running)', () => {
  let call: number
  let perp: number

  beforeAll(async () => {
    node = await startNode({ args: ['--feeder-interval', '1000'], startTimeoutMs: 90_000 })
    call = await instrumentId(devOptionName(await genesisTimeOf(node.url), 'ETH', 1, 3000, 'C'))
    perp = await instrumentId('ETH-PERP')
    for (const who of [trader, maker, stranger, writer]) {
      for (const venue of [DEV_OPTIONS_VENUE, DEV_PERP_VENUE]) {
        if (who === stranger) continue
        expect((await send(who, MARGIN_ADDRESS, MARGIN_ABI, 'setOperator', [venue, true])).status).toBe('success')
      }
    }
  }, 180_000)
  afterAll(() => node?.dispose())

  it('nets a long call on one venue against a short perp on another', async () => {
    const buy = await quoteAndFill(DEV_OPTIONS_VENUE, call, 10n * W, 200n * W, true)
    expect(buy.status).toBe('success')
    const markets = await rpc<{ underlyings: { symbol: string; price: string }[] }>('margin_getMarkets')
    const eth = markets.underlyings.find((u) => u.symbol === 'ETH')!
    const perpPrice = (parseUnits(eth.price, 18) / W) * W
    const sell = await quoteAndFill(DEV_PERP_VENUE, perp, 5n * W, perpPrice, false)
    expect(sell.status).toBe('success')

    const account = await rpc<{ positions: { instrumentId: number; size: string; entryPrice: string }[]; operators: Hex[] }>(
      'margin_getAccount',
      [trader.address],
    )
    expect(account.positions.find((p) => p.instrumentId === call)?.size).toBe('10')
    expect(account.positions.find((p) => p.instrumentId === perp)?.size).toBe('-5')
    expect(account.positions.find((p) => p.instrumentId === perp)?.entryPrice).toBe(formatUnits(perpPrice, 18))
    expect(account.operators.sort()).toEqual([DEV_OPTIONS_VENUE, DEV_PERP_VENUE])

    const { KernelReader } = compileSolidity({ 'KernelReader.sol': KERNEL_READER })
    const wallet = walletHttp(node.url, devAccounts[7])
    const client = publicHttp(node.url)
    const deploy = await client.waitForTransactionReceipt({
      hash: await wallet.deployContract({ abi: KernelReader.abi, bytecode: KernelReader.bytecode }),
    })
    // Read everything at one block so the market is the same for every figure (uncached: viem
    // keeps a block number for 4 s, which may predate the reader's deployment).
    const block = await client.getBlockNumber({ cacheTime: 0 })
    const tag = `0x${block.toString(16)}`
    const report = await rpc<Report>('margin_getRiskReport', [trader.address, tag])
    const callsOnly = await rpc<Report>('margin_simulate', [{ positions: [{ instrument: call, size: '10' }] }])
    const perpOnly = await rpc<Report>('margin_simulate', [{ positions: [{ instrument: perp, size: '-5', entryPrice: eth.price }] }])
    const both = await rpc<Report>('margin_simulate', [
      {
        positions: [
          { instrument: call, size: '10' },
          { instrument: perp, size: '-5', entryPrice: eth.price },
        ],
      },
    ])
    const callDelta = num(callsOnly.greeks.find((g) => g.underlying === 'ETH')!.delta)
    const netDelta = num(report.greeks.find((g) => g.underlying === 'ETH')!.delta)
    // The trader's 100 WETH of collateral adds 100 deltas; the perp takes 5 away from the calls'.
    expect(callDelta).toBeGreaterThan(3)
    expect(Math.abs(netDelta - (100 + callDelta - 5))).toBeLessThan(0.05)
    expect(num(both.maintenanceMargin)).toBeLessThan(num(callsOnly.maintenanceMargin) + num(perpOnly.maintenanceMargin))
    expect(report.liquidatable).toBe(false)
    expect(num(report.equity)).toBeGreaterThan(num(report.initialMargin))

    // The RiskKernel precompile, read from a contract at the same block, says the same.
    const [equity, im, mm] = (await client.readContract({
      address: deploy.contractAddress!,
      abi: KernelReader.abi,
      functionName: 'read',
      args: [trader.address],
      blockNumber: block,
    })) as [bigint, bigint, bigint]
    expect(formatUnits(equity, 18)).toBe(report.equity)
    expect(formatUnits(im, 18)).toBe(report.initialMargin)
    expect(formatUnits(mm, 18)).toBe(report.maintenanceMargin)
    const direct = (await client.readContract({
      address: RISK_KERNEL_ADDRESS,
      abi: parseAbi(['function isLiquidatable(address) view returns (bool)']),
      functionName: 'isLiquidatable',
      args: [trader.address],
    })) as boolean
    expect(direct).toBe(false)
  }, 120_000)

  it("pushes the account's risk report every block over marginHealth", async () => {
    const ws = await openWs(node.wsUrl)
    try {
      const sub = await ws.call('eth_subscribe', ['marginHealth', trader.address])
      expect(typeof sub.result).toBe('string')
      const [first, second] = await ws.waitFor(sub.result as string, 2, 20_000)
      expect(BigInt(second.blockNumber)).toBeGreaterThan(BigInt(first.blockNumber))
      expect(first.address).toBe(trader.address.toLowerCase())
      const report = await rpc<Report>('margin_getRiskReport', [trader.address, first.blockNumber])
      expect(first.equity).toBe(report.equity)
      expect(first.maintenanceMargin).toBe(report.maintenanceMargin)
      expect(first.liquidatable).toBe(false)
      const bad = await ws.call('eth_subscribe', ['marginHealth', '0x12'])
      expect(bad.error?.code).toBe(-32602)
    } finally {
      ws.close()
    }
  })

  it('moves premium at once and keeps every instrument zero-sum', async () => {
    const client = publicHttp(node.url)
    const pos = (who: Hex, id: number) =>
      client.readContract({ address: MARGIN_ADDRESS, abi: MARGIN_ABI, functionName: 'positionOf', args: [who, id] }) as Promise<
        [bigint, bigint]
      >
    for (const id of [call, perp]) {
      let sum = 0n
      for (const a of devAccounts) sum += (await pos(a.address, id))[0]
      expect(sum).toBe(0n)
    }
    const usdc = await client.readContract({
      address: MARGIN_ADDRESS,
      abi: MARGIN_ABI,
      functionName: 'balanceOf',
      args: [trader.address, 1],
    })
    expect(usdc).toBe(1_000_000n * W - 2000n * W)
  })

  it('refuses a trade without operator consent, naming it', async () => {
    await send(maker, DEV_OPTIONS_VENUE, venueAbi, 'quote', [call, 1n * W, 200n * W, true])
    const id = (await publicHttp(node.url).readContract({
      address: DEV_OPTIONS_VENUE,
      abi: venueAbi,
      functionName: 'quoteCount',
    })) as bigint
    expect(await reason(stranger, DEV_OPTIONS_VENUE, venueAbi, 'fill', [id, 1n * W])).toContain('not operator')
  })

  it('refuses an unregistered protocol', async () => {
    const { OptionsVenue } = compileSolidity({
      'IMargin.sol': (await import('../genesis/contracts/exampleContracts.ts')).exampleSources()['IMargin.sol'],
      'Venue.sol': (await import('../genesis/contracts/exampleContracts.ts')).exampleSources()['Venue.sol'],
      'OptionsVenue.sol': (await import('../genesis/contracts/exampleContracts.ts')).exampleSources()['OptionsVenue.sol'],
    })
    const client = publicHttp(node.url)
    const deployed = await client.waitForTransactionReceipt({
      hash: await walletHttp(node.url, maker).deployContract({ abi: OptionsVenue.abi, bytecode: OptionsVenue.bytecode }),
    })
    const rogue = deployed.contractAddress!
    for (const who of [trader, maker]) await send(who, MARGIN_ADDRESS, MARGIN_ABI, 'setOperator', [rogue, true])
    await send(maker, rogue, venueAbi, 'quote', [call, 1n * W, 200n * W, true])
    expect(await reason(trader, rogue, venueAbi, 'fill', [1n, 1n * W])).toContain('unregistered protocol')
  })

  it('refuses a huge short for insufficient margin', async () => {
    await send(maker, DEV_OPTIONS_VENUE, venueAbi, 'quote', [call, 100_000n * W, 1n * W, false])
    const id = (await publicHttp(node.url).readContract({
      address: DEV_OPTIONS_VENUE,
      abi: venueAbi,
      functionName: 'quoteCount',
    })) as bigint
    expect(await reason(trader, DEV_OPTIONS_VENUE, venueAbi, 'fill', [id, 100_000n * W])).toContain('insufficient margin')
  })

  it('refuses withdrawing the collateral out from under short options', async () => {
    // The writer sells 200 calls, then tries to take all of its collateral out.
    await send(maker, DEV_OPTIONS_VENUE, venueAbi, 'quote', [call, 200n * W, 200n * W, false])
    const id = (await publicHttp(node.url).readContract({
      address: DEV_OPTIONS_VENUE,
      abi: venueAbi,
      functionName: 'quoteCount',
    })) as bigint
    expect((await send(writer, DEV_OPTIONS_VENUE, venueAbi, 'fill', [id, 200n * W])).status).toBe('success')
    expect((await send(writer, MARGIN_ADDRESS, MARGIN_ABI, 'withdraw', [1, 1_000_000n * W, writer.address])).status).toBe('success')
    expect(await reason(writer, MARGIN_ADDRESS, MARGIN_ABI, 'withdraw', [2, 100n * W, writer.address])).toContain('insufficient margin')
    expect(await reason(writer, MARGIN_ADDRESS, MARGIN_ABI, 'transfer', [maker.address, 2, 100n * W])).toContain('insufficient margin')
  })
})

describe('Universal Margin Account (no feeder: prices go stale)', () => {
  let dir: string
  beforeAll(async () => {
    // The dev genesis dated an hour ago: its prices are past maxOracleAge from the first block.
    dir = mkdtempSync(join(tmpdir(), 'um-stale-'))
    const file = join(dir, 'genesis.json')
    writeFileSync(file, JSON.stringify(devGenesisDocument(Math.floor(Date.now() / 1000) - 3_600)))
    node = await startNode({ args: ['--no-feeder', '--genesis', file], startTimeoutMs: 90_000 })
  }, 120_000)
  afterAll(async () => {
    await node?.dispose()
    rmSync(dir, { recursive: true, force: true })
  })

  it('refuses risk-increasing calls on a stale underlying with "stale oracle"', async () => {
    const call = await instrumentId(devOptionName(await genesisTimeOf(node.url), 'ETH', 1, 3000, 'C'))
    for (const who of [trader, maker]) await send(who, MARGIN_ADDRESS, MARGIN_ABI, 'setOperator', [DEV_OPTIONS_VENUE, true])
    await send(maker, DEV_OPTIONS_VENUE, venueAbi, 'quote', [call, 1n * W, 200n * W, true])
    expect(await reason(trader, DEV_OPTIONS_VENUE, venueAbi, 'fill', [1n, 1n * W])).toContain('stale oracle')
    // Collateral priced off ETH cannot leave either: its margin needs the stale price.
    expect(await reason(trader, MARGIN_ADDRESS, MARGIN_ABI, 'withdraw', [2, 1n * W, trader.address])).toContain('stale oracle')
  })
})
