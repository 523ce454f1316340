/**
 * `npm run bench:margin`: the margin system under load, two JSON lines.
 *
 * 1. `fills`: trades through the example options and perp venues (a quote and a fill, the fill
 *    settling through the Margin precompile with the whole-account margin check on both sides),
 *    pre-signed, handed to the node's `sendRawTransaction` in-process and mined: fills per
 *    second to the last receipt. Baseline in the same run: plain ETH transfers the same way.
 * 2. `remargin`: the end-of-block re-margin of the margin mirror with 100,000 funded accounts
 *    (2 balances and 3 positions each), after an ETH price move (median of 5), against a full
 *    re-margin of every account in the same run.
 *
 * 3. `interest`: the same 100,000 accounts with their USDC and WETH kept as scaled principal in
 *    the lending pools (SPEC 6.2), a third of them borrowing USDC: one block's accrual moving both
 *    pools' indexes, then the mirror re-priced in memory and re-margined (median of 5), against
 *    the end-of-block re-margin of a block with no interest in the same run.
 *
 * Options: `--fills N` (default 400), `--accounts N` (default 100000).
 */
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { parseArgs } from 'node:util'
import pino from 'pino'
import { encodeFunctionData, type Hex, hexToBytes, parseGwei } from 'viem'
import { privateKeyToAccount } from 'viem/accounts'
import { createNode, type Node } from '../chain/node.ts'
import { MarginMirror } from '../execution/margin/marginMirror.ts'
import { marketAt } from '../execution/margin/marketAt.ts'
import { MARGIN_ABI } from '../execution/precompiles/margin.ts'
import { exampleArtifacts } from '../genesis/contracts/exampleContracts.ts'
import { DEV_ACCOUNTS, DEV_OPTIONS_VENUE, DEV_PERP_VENUE, devGenesis } from '../genesis/dev.ts'
import { newPool, RAY, SCALE } from '../state/system/lendingPools.ts'
import type { PriceFeed } from '../state/system/priceFeed.ts'
import type { Holdings } from '../state/system/umaStore.ts'

const W = 10n ** 18n
const { values } = parseArgs({
  options: { fills: { type: 'string', default: '400' }, accounts: { type: 'string', default: '100000' } },
})
const FILLS = Number(values.fills)
const ACCOUNTS = Number(values.accounts)
const venueAbi = exampleArtifacts().OptionsVenue.abi

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b)
  return s[Math.floor(s.length / 2)]
}

async function withNode<T>(fn: (node: Node) => Promise<T>): Promise<T> {
  const genesis = devGenesis()
  genesis.timestamp = BigInt(Math.floor(Date.now() / 1000))
  const dir = mkdtempSync(join(tmpdir(), 'um-bench-margin-'))
  const node = await createNode({ datadir: dir, genesis, blockTimeMs: 250, logger: pino({ level: 'silent' }), produce: false })
  try {
    return await fn(node)
  } finally {
    await node.close()
    rmSync(dir, { recursive: true, force: true })
  }
}

/** Signs `[who, to, data]` calls with consecutive nonces per sender. */
async function sign(calls: [number, Hex, Hex][], nonces = new Map<number, number>()): Promise<Uint8Array[]> {
  const out: Uint8Array[] = []
  for (const [who, to, data] of calls) {
    const nonce = nonces.get(who) ?? 0
    nonces.set(who, nonce + 1)
    const raw = await privateKeyToAccount(DEV_ACCOUNTS[who][1]).signTransaction({
      chainId: 31338,
      type: 'eip1559',
      to,
      data,
      nonce,
      gas: 2_000_000n,
      maxFeePerGas: parseGwei('10'),
      maxPriorityFeePerGas: 1n,
    })
    out.push(hexToBytes(raw))
  }
  return out
}

/** Submits `raws` and mines until every one has a receipt; returns seconds and successes. */
async function mine(node: Node, raws: Uint8Array[]): Promise<{ seconds: number; ok: number; blocks: number }> {
  const t0 = performance.now()
  const hashes: Hex[] = []
  for (const raw of raws) hashes.push(await node.sendRawTransaction(raw))
  let blocks = 0
  while (node.mempool.size > 0) {
    await node.produceBlock()
    blocks++
  }
  const seconds = (performance.now() - t0) / 1000
  let ok = 0
  for (const h of hashes) if ((await node.getReceipt(h))?.status === 1) ok++
  return { seconds, ok, blocks }
}

async function benchFills() {
  return withNode(async (node) => {
    const nonces = new Map<number, number>()
    const setup: [number, Hex, Hex][] = []
    for (let who = 1; who <= 8; who++) {
      for (const venue of [DEV_OPTIONS_VENUE, DEV_PERP_VENUE]) {
        setup.push([
          who,
          '0x0000000000000000000000000000000000000a00',
          encodeFunctionData({ abi: MARGIN_ABI, functionName: 'setOperator', args: [venue, true] }),
        ])
      }
    }
    await mine(node, await sign(setup, nonces))
    // Makers 1-4 quote, takers 5-8 fill; quote ids run from 1 per venue in this fresh chain.
    const quotes: [number, Hex, Hex][] = []
    const fills: [number, Hex, Hex][] = []
    const ids = { [DEV_OPTIONS_VENUE]: 0n, [DEV_PERP_VENUE]: 0n } as Record<Hex, bigint>
    for (let i = 0; i < FILLS; i++) {
      const perp = i % 2 === 1
      const venue = perp ? DEV_PERP_VENUE : DEV_OPTIONS_VENUE
      const instrument = perp ? 1 : 3 + (i % 24)
      const price = perp ? 3000n * W : 50n * W
      quotes.push([
        1 + (i % 4),
        venue,
        encodeFunctionData({ abi: venueAbi, functionName: 'quote', args: [instrument, W / 10n, price, i % 3 === 0] }),
      ])
      ids[venue]++
      fills.push([5 + (i % 4), venue, encodeFunctionData({ abi: venueAbi, functionName: 'fill', args: [ids[venue], W / 10n] })])
    }
    await mine(node, await sign(quotes, nonces))
    const f = await mine(node, await sign(fills, nonces))
    const transfers: [number, Hex, Hex][] = Array.from({ length: FILLS }, (_, i) => [5 + (i % 4), DEV_ACCOUNTS[0][0], '0x'])
    const t = await mine(node, await sign(transfers, nonces))
    return {
      bench: 'margin',
      what: 'fills',
      path: 'in-process sendRawTransaction → block',
      fills: FILLS,
      settled: f.ok,
      seconds: Number(f.seconds.toFixed(3)),
      fillsPerSecond: Math.round(f.ok / f.seconds),
      blocks: f.blocks,
      baseline: { what: 'ETH transfers, same path', txs: FILLS, perSecond: Math.round(t.ok / t.seconds) },
    }
  })
}

async function benchRemargin() {
  const config = devGenesis().margin!.config
  const options = config.market.instruments.filter((i) => i.type === 'option').map((i) => i.id)
  const accounts: [Hex, Holdings][] = []
  for (let a = 0; a < ACCOUNTS; a++) {
    const address = `0x${(a + 1).toString(16).padStart(40, '0')}` as Hex
    accounts.push([
      address,
      {
        balances: [
          { assetId: 1, amount: BigInt(10_000 + (a % 1000)) * W },
          { assetId: 2, amount: BigInt(1 + (a % 7)) * W },
        ],
        positions: [
          { instrumentId: 1 + (a % 2), size: BigInt((a % 11) - 5) * W || W, entryPrice: 3000n * W },
          { instrumentId: options[a % options.length], size: BigInt((a % 9) - 4) * W || -W, entryPrice: 0n },
          { instrumentId: options[(a * 7) % options.length], size: BigInt((a % 5) + 1) * W, entryPrice: 0n },
        ],
      },
    ])
  }
  const mirror = await MarginMirror.fromHoldings(accounts)
  const now = 1_767_225_600n
  const feeds = (eth: number): Map<number, PriceFeed> =>
    new Map(
      config.market.underlyings.map((u) => [
        u.id,
        {
          underlyingId: u.id,
          priceWad: BigInt(Math.round((u.symbol === 'ETH' ? eth : u.price) * 1e6)) * 10n ** 12n,
          volWad: BigInt(Math.round(u.vol * 1e6)) * 10n ** 12n,
          timestamp: now,
        },
      ]),
    )
  let t = performance.now()
  mirror.remargin(marketAt(config, feeds(3000), now).state)
  const fullMs = performance.now() - t
  const moveMs: number[] = []
  let recomputed = 0
  for (let i = 0; i < 5; i++) {
    const state = marketAt(config, feeds(3000 + 10 * (i + 1)), now).state
    t = performance.now()
    recomputed = mirror.remargin(state)
    moveMs.push(performance.now() - t)
  }
  return {
    bench: 'margin',
    what: 'remargin',
    accounts: ACCOUNTS,
    positions: ACCOUNTS * 5,
    firstFullMs: Number(fullMs.toFixed(1)),
    afterEthMoveMs: Number(median(moveMs).toFixed(1)),
    recomputed,
  }
}

async function benchInterest() {
  const config = devGenesis().margin!.config
  const options = config.market.instruments.filter((i) => i.type === 'option').map((i) => i.id)
  const accounts: [Hex, Holdings][] = []
  for (let a = 0; a < ACCOUNTS; a++) {
    const address = `0x${(a + 1).toString(16).padStart(40, '0')}` as Hex
    const usdc = a % 3 === 0 ? -BigInt(1_000 + (a % 1000)) * W : BigInt(10_000 + (a % 1000)) * W
    const weth = BigInt(1 + (a % 7)) * W
    accounts.push([
      address,
      {
        balances: [
          { assetId: 1, amount: usdc, scaled: usdc * SCALE },
          { assetId: 2, amount: weth, scaled: weth * SCALE },
        ],
        positions: [
          { instrumentId: 1 + (a % 2), size: BigInt((a % 11) - 5) * W || W, entryPrice: 3000n * W },
          { instrumentId: options[a % options.length], size: BigInt((a % 9) - 4) * W || -W, entryPrice: 0n },
        ],
      },
    ])
  }
  const mirror = await MarginMirror.fromHoldings(accounts)
  const now = 1_767_225_600n
  const feeds = new Map<number, PriceFeed>(
    config.market.underlyings.map((u) => [
      u.id,
      {
        underlyingId: u.id,
        priceWad: BigInt(Math.round(u.price * 1e6)) * 10n ** 12n,
        volWad: BigInt(Math.round(u.vol * 1e6)) * 10n ** 12n,
        timestamp: now,
      },
    ]),
  )
  const state = marketAt(config, feeds, now).state
  mirror.remargin(state)
  const idleMs: number[] = []
  const interestMs: number[] = []
  let recomputed = 0
  for (let i = 1; i <= 5; i++) {
    let t = performance.now()
    mirror.remargin(state)
    idleMs.push(performance.now() - t)
    // One second of interest at a few per cent a year: indexes up by ~10^-9.
    const grown = (k: bigint) => RAY + (RAY * k * BigInt(i)) / 10n ** 9n
    const pools = new Map([
      [1, { ...newPool(now), supplyIndex: grown(1n), borrowIndex: grown(2n) }],
      [2, { ...newPool(now), supplyIndex: grown(1n), borrowIndex: grown(2n) }],
    ])
    t = performance.now()
    mirror.reprice(pools)
    recomputed = mirror.remargin(state)
    interestMs.push(performance.now() - t)
  }
  return {
    bench: 'margin',
    what: 'interest',
    accounts: ACCOUNTS,
    borrowers: Math.ceil(ACCOUNTS / 3),
    endOfBlockNoInterestMs: Number(median(idleMs).toFixed(1)),
    endOfBlockWithInterestMs: Number(median(interestMs).toFixed(1)),
    recomputed,
  }
}

console.log(JSON.stringify(await benchFills()))
console.log(JSON.stringify(await benchRemargin()))
console.log(JSON.stringify(await benchInterest()))
