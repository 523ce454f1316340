/**
 * Markets that stay alive (SPEC 6.4, issue 16), with viem against real nodes:
 * - `unimargin start` on a fresh datadir: a chain born today, its genesis prices dated at its
 *   genesis block (a margin call mined at once passes), its own options 30 and 90 days out, the
 *   schedule's weekly and monthly expiries listed in block 1; a restart finds the same genesis.
 * - a node whose blocks are stamped at chosen times: new expiries appear in the block that first
 *   passes the time they enter the window, at strikes around the index of that block, with the
 *   next ids; a follower re-executing the blocks reproduces them.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import pino from 'pino'
import { createPublicClient, createWalletClient, defineChain, encodeFunctionData, type Hex, http, parseGwei } from 'viem'
import { privateKeyToAccount } from 'viem/accounts'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { MarginReads } from '../chain/marginReads.ts'
import { createNode, type Node } from '../chain/node.ts'
import { priceUpdateHash } from '../execution/oracle/priceUpdateHash.ts'
import { MARGIN_ABI } from '../execution/precompiles/margin.ts'
import { oracleAbi } from '../execution/precompiles/oracleAbi.ts'
import { DEV_ACCOUNTS, DEV_LISTING, devGenesis } from '../genesis/dev.ts'
import { freePort } from '../lib/freePort.ts'
import { govMethods } from '../rpc/gov.ts'
import { marginMethods } from '../rpc/margin.ts'
import { createRpcServer, type RpcServer } from '../rpc/server.ts'
import { MARGIN_ADDRESS, ORACLE_ADDRESS } from '../state/system/addresses.ts'
import { type NodeInstance, startNode } from './support/node.ts'

const W = 10n ** 18n
const chain = defineChain({
  id: 31338,
  name: 'unimargin dev',
  nativeCurrency: { name: 'Ether', symbol: 'ETH', decimals: 18 },
  rpcUrls: { default: { http: ['http://127.0.0.1'] } },
})

interface InstrumentView {
  id: number
  name: string
  type: 'perp' | 'option'
  underlying: string
  strike?: number
  expiry?: number
  kind?: 'call' | 'put'
}
interface Markets {
  underlyings: { id: number; symbol: string; price: string; timestamp: number }[]
  instruments: InstrumentView[]
}

const iso = (t: number) => new Date(t * 1000).toISOString()
const at = (text: string) => Date.parse(text) / 1000
const ymd = (t: number) => iso(t).slice(0, 10).replaceAll('-', '')

/** Fridays 08:00 UTC after `t`, walked day by day with Date (independent of risk/expiries.ts). */
function fridaysAfter(t: number, count: number, keep: (d: Date) => boolean = () => true): number[] {
  const out: number[] = []
  const d = new Date(t * 1000)
  d.setUTCHours(8, 0, 0, 0)
  while (out.length < count) {
    if (d.getUTCDay() === 5 && d.getTime() / 1000 > t && keep(d)) out.push(d.getTime() / 1000)
    d.setUTCDate(d.getUTCDate() + 1)
  }
  return out
}
const lastOfMonth = (d: Date) => new Date(d.getTime() + 7 * 86_400_000).getUTCMonth() !== d.getUTCMonth()

/** The names the schedule lists at `t` for an index of `eth` and `btc`, in id order. */
function expectedNames(t: number, eth: number, btc: number, skip: ReadonlySet<number> = new Set()): string[] {
  const expiries = [...new Set([...fridaysAfter(t, DEV_LISTING.weekly), ...fridaysAfter(t, DEV_LISTING.monthly, lastOfMonth)])]
    .filter((e) => !skip.has(e))
    .sort((a, b) => a - b)
  const out: string[] = []
  for (const [u, s, tick] of [
    ['ETH', eth, 100],
    ['BTC', btc, 1000],
  ] as const) {
    for (const e of expiries) {
      const strikes = [...new Set(DEV_LISTING.strikesPct.map((p) => Math.round((s * (1 + p)) / tick) * tick))].sort((a, b) => a - b)
      for (const k of strikes) out.push(`${u}-${ymd(e)}-${k}-C`, `${u}-${ymd(e)}-${k}-P`)
    }
  }
  return out
}

describe('a dev chain started today', () => {
  let node: NodeInstance
  let startedAt: number
  beforeAll(async () => {
    startedAt = Math.floor(Date.now() / 1000)
    // No feeder: the prices in force are the genesis's own, so a passing margin call shows they are fresh.
    node = await startNode({ args: ['--no-feeder'], startTimeoutMs: 90_000 })
  }, 120_000)
  afterAll(() => node?.dispose())

  const rpc = <T>(method: string, params: unknown[] = []) =>
    createPublicClient({ chain, transport: http(node.url) }).request({ method, params } as never) as Promise<T>

  it('is born now, its prices dated at the genesis block, and takes a margin call at once', async () => {
    const client = createPublicClient({ chain, transport: http(node.url) })
    const genesis = await client.getBlock({ blockNumber: 0n })
    const born = Number(genesis.timestamp)
    expect(born).toBeGreaterThanOrEqual(startedAt)
    expect(born).toBeLessThanOrEqual(Math.floor(Date.now() / 1000))
    expect(readFileSync(join(node.datadir, 'dev-genesis-timestamp'), 'utf8').trim()).toBe(String(born))
    const markets = await rpc<Markets>('margin_getMarkets', ['0x0'])
    for (const u of markets.underlyings.filter((x) => x.symbol !== 'ETHUSDC-LP')) expect(u.timestamp).toBe(born)
    // A risk-increasing call in the first block (priced off ETH: it needs a fresh ETH price).
    const trader = privateKeyToAccount(DEV_ACCOUNTS[3][1])
    const wallet = createWalletClient({ chain, account: trader, transport: http(node.url) })
    const hash = await wallet.sendTransaction({
      to: MARGIN_ADDRESS,
      data: encodeFunctionData({ abi: MARGIN_ABI, functionName: 'withdraw', args: [2, 1n * W, trader.address] }),
      gas: 1_000_000n,
    })
    const receipt = await client.waitForTransactionReceipt({ hash, pollingInterval: 100 })
    expect(receipt.status).toBe('success')
  })

  it('has its own options 30 and 90 days out, and the weekly and monthly expiries listed in block 1', async () => {
    const client = createPublicClient({ chain, transport: http(node.url) })
    while ((await client.getBlockNumber()) < 1n) await new Promise((r) => setTimeout(r, 100))
    const born = Number((await client.getBlock({ blockNumber: 0n })).timestamp)
    const block1 = Number((await client.getBlock({ blockNumber: 1n })).timestamp)
    const genesisOptions = (await rpc<Markets>('margin_getMarkets', ['0x0'])).instruments.filter((i) => i.type === 'option')
    expect(genesisOptions.map((i) => i.id)).toEqual(Array.from({ length: 24 }, (_, k) => 3 + k))
    const [first, second] = [...new Set(genesisOptions.map((i) => i.expiry!))].sort((a, b) => a - b)
    expect(first).toBe(fridaysAfter(born + 30 * 86_400 - 1, 1)[0])
    expect(second).toBe(fridaysAfter(born + 90 * 86_400 - 1, 1)[0])
    expect(genesisOptions.find((i) => i.id === 5)!.name).toBe(`ETH-${ymd(first)}-3000-C`)

    const listed = (await rpc<Markets>('margin_getMarkets', ['0x1'])).instruments.filter((i) => i.id > 26)
    const names = expectedNames(block1, 3000, 60_000, new Set([first, second]))
    expect(listed.map((i) => i.name)).toEqual(names)
    expect(listed.map((i) => i.id)).toEqual(names.map((_, k) => 27 + k))
    expect(listed[0]).toMatchObject({ type: 'option', underlying: 'ETH', strike: 2400, kind: 'call', expiry: fridaysAfter(block1, 1)[0] })
    const params = await rpc<{ listing: unknown }>('margin_getRiskParams')
    expect(params.listing).toEqual(DEV_LISTING)
  })

  it('restarts on the same genesis', async () => {
    const client = createPublicClient({ chain, transport: http(node.url) })
    const hash = (await client.getBlock({ blockNumber: 0n })).hash
    const head = await client.getBlockNumber()
    await node.restart()
    expect((await client.getBlock({ blockNumber: 0n })).hash).toBe(hash)
    expect(await client.getBlockNumber()).toBeGreaterThanOrEqual(head)
  }, 60_000)
})

describe('listing as time passes (blocks stamped at chosen times)', () => {
  /** Wednesday 2026-12-02 14:00 UTC. */
  const G = at('2026-12-02T14:00:00Z')
  const genesis = devGenesis(G)
  const logger = pino({ level: 'silent' })
  const dirs: string[] = []
  let node: Node
  let server: RpcServer
  let rpcUrl: string

  beforeAll(async () => {
    const datadir = mkdtempSync(join(tmpdir(), 'um-listing-'))
    dirs.push(datadir)
    node = await createNode({ datadir, genesis, blockTimeMs: 50, logger, produce: false })
    const margin = new MarginReads({
      env: node.margin!.env,
      stateAt: (tag) => node.stateAt(tag),
      resolveBlock: (tag) => node.resolveBlock(tag),
      getLogs: (filter) => node.getLogs(filter),
    })
    server = createRpcServer({
      chain: node,
      host: '127.0.0.1',
      port: await freePort(),
      logger,
      methods: { ...govMethods(node), ...marginMethods(margin, node) },
    })
    await server.listen()
    rpcUrl = server.url
  })
  afterAll(async () => {
    await server?.close()
    await node?.close()
    for (const d of dirs) rmSync(d, { recursive: true, force: true })
  })

  const markets = async (block: bigint) =>
    (
      (await createPublicClient({ chain, transport: http(rpcUrl) }).request({
        method: 'margin_getMarkets',
        params: [`0x${block.toString(16)}`],
      } as never)) as Markets
    ).instruments

  /** A feeder-signed ETH price update, stamped `t`. */
  async function ethPrice(price: bigint, t: number, nonce: number): Promise<void> {
    const feeder = privateKeyToAccount(DEV_ACCOUNTS[9][1])
    const body = { underlyingIds: [1], prices: [price * W], vols: [6n * 10n ** 17n], timestamp: BigInt(t) }
    const sig = await feeder.signMessage({ message: { raw: priceUpdateHash(31338n, body) } })
    const raw = await feeder.signTransaction({
      chainId: 31338,
      type: 'eip1559',
      to: ORACLE_ADDRESS,
      data: encodeFunctionData({
        abi: oracleAbi,
        functionName: 'submitPrices',
        args: [body.underlyingIds, body.prices, body.vols, body.timestamp, [sig]],
      }),
      nonce,
      gas: 300_000n,
      maxFeePerGas: parseGwei('10'),
      maxPriorityFeePerGas: parseGwei('1'),
    })
    await createPublicClient({ chain, transport: http(rpcUrl) }).request({ method: 'eth_sendRawTransaction', params: [raw as Hex] })
  }

  it('lists each expiry in the block that first passes its entry, at the index of that block', async () => {
    // Block 1: the window of Wed Dec 2 — weeklies Dec 4 and 11, monthlies Dec 25 and Jan 29.
    await node.produceBlock({ timestamp: BigInt(G + 1) })
    const b1 = (await markets(1n)).filter((i) => i.id > 26)
    expect(b1).toHaveLength(80)
    expect(b1.slice(0, 10).map((i) => `${i.id} ${i.name}`)).toEqual([
      '27 ETH-20261204-2400-C',
      '28 ETH-20261204-2400-P',
      '29 ETH-20261204-2700-C',
      '30 ETH-20261204-2700-P',
      '31 ETH-20261204-3000-C',
      '32 ETH-20261204-3000-P',
      '33 ETH-20261204-3300-C',
      '34 ETH-20261204-3300-P',
      '35 ETH-20261204-3600-C',
      '36 ETH-20261204-3600-P',
    ])
    expect([...new Set(b1.map((i) => `${i.underlying} ${ymd(i.expiry!)}`))]).toEqual([
      'ETH 20261204',
      'ETH 20261211',
      'ETH 20261225',
      'ETH 20270129',
      'BTC 20261204',
      'BTC 20261211',
      'BTC 20261225',
      'BTC 20270129',
    ])
    expect(b1.find((i) => i.id === 67)).toEqual({
      id: 67,
      name: 'BTC-20261204-48000-C',
      type: 'option',
      underlying: 'BTC',
      strike: 48_000,
      expiry: at('2026-12-04T08:00:00Z'),
      kind: 'call',
    })
    expect(b1.at(-1)!.name).toBe('BTC-20270129-72000-P')

    // Block 2, Friday Dec 4 07:50, moves ETH to 3,333: Dec 4 has not expired, nothing new.
    await ethPrice(3333n, at('2026-12-04T07:50:00Z'), 0)
    await node.produceBlock({ timestamp: BigInt(at('2026-12-04T07:50:00Z')) })
    expect(await markets(2n)).toHaveLength(106)

    // Block 3, Dec 4 08:00:00: Dec 4 expires, Dec 18 enters the weekly window — ETH's strikes
    // around 3,333 (2,666.4 → 2,700 … 3,999.6 → 4,000), BTC's around 60,000.
    await node.produceBlock({ timestamp: BigInt(at('2026-12-04T08:00:00Z')) })
    const b3 = (await markets(3n)).filter((i) => i.id > 106)
    expect(b3.map((i) => `${i.id} ${i.name}`).filter((_, k) => k % 2 === 0)).toEqual([
      '107 ETH-20261218-2700-C',
      '109 ETH-20261218-3000-C',
      '111 ETH-20261218-3300-C',
      '113 ETH-20261218-3700-C',
      '115 ETH-20261218-4000-C',
      '117 BTC-20261218-48000-C',
      '119 BTC-20261218-54000-C',
      '121 BTC-20261218-60000-C',
      '123 BTC-20261218-66000-C',
      '125 BTC-20261218-72000-C',
    ])
    expect(b3).toHaveLength(20)

    // Block 4, three weeks on (Dec 25 08:00, no block between): Jan 1 (weekly) and Feb 26
    // (monthly) are new; Jan 8 is the genesis's own first expiry and Jan 29 listed already.
    await node.produceBlock({ timestamp: BigInt(at('2026-12-25T08:00:00Z')) })
    const b4 = (await markets(4n)).filter((i) => i.id > 126)
    expect(genesis.margin!.config.market.instruments.find((i) => i.id === 3)!.name).toBe('ETH-20270108-2500-C')
    expect([...new Set(b4.map((i) => `${i.underlying} ${ymd(i.expiry!)}`))]).toEqual([
      'ETH 20270101',
      'ETH 20270226',
      'BTC 20270101',
      'BTC 20270226',
    ])
    expect(b4.map((i) => i.id)).toEqual(Array.from({ length: 40 }, (_, k) => 127 + k))
    expect(b4[0].name).toBe('ETH-20270101-2700-C')
    // Nothing is ever removed: the expired Dec 4 options are still there.
    expect((await markets(4n)).find((i) => i.id === 27)!.name).toBe('ETH-20261204-2400-C')
    // A later block at the same window lists nothing.
    await node.produceBlock({ timestamp: BigInt(at('2026-12-25T09:00:00Z')) })
    expect(await markets(5n)).toHaveLength(166)
  })

  it('is reproduced by a follower re-executing the blocks', async () => {
    const datadir = mkdtempSync(join(tmpdir(), 'um-listing-'))
    dirs.push(datadir)
    const follower = await createNode({ datadir, genesis, blockTimeMs: 50, logger, produce: false })
    try {
      for (let n = 1n; n <= node.headNumber(); n++) await follower.importBlock((await node.getBlockByNumber(n))!)
      const [a, b] = [(await node.getBlockByNumber(node.headNumber()))!, (await follower.getBlockByNumber(node.headNumber()))!]
      expect(b.hash()).toEqual(a.hash())
      expect((await follower.getGovernedConfig('latest')).market.instruments).toHaveLength(166)
    } finally {
      await follower.close()
    }
  })
})
