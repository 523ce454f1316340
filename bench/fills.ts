/**
 * `npm run bench:fills`: trading throughput end to end over JSON-RPC, against plain transfers on
 * the same node in the same run (issue 17). One node (`bin/unimargin.mjs start`, 250 ms blocks)
 * with the dev price feeder running the whole time, so fills meet moving, fresh prices. Three
 * modes, each pre-signed before its clock, sent in JSON-RPC batches of 50 (4 in flight), timed to
 * the last receipt:
 *
 * - `transfers`: plain ETH transfers from dev accounts 1-8 (the peer figure);
 * - `fills`: single venue fills — takers (dev accounts 5-8) fill makers' (1-4) standing quotes on
 *   the example perp venue, each fill settling through `Margin.settleTrade` with both accounts'
 *   margin rule;
 * - `batch`: the example batch venue's matcher (dev account 0) settling 200 fills per call
 *   through `Margin.settleTrades` among dev accounts 1-8.
 *
 * Off the clock it checks that every transaction succeeded (a failed fill is reported with its
 * count, e.g. "stale oracle"), and reads the node's resident set (VmHWM: the peak) from /proc.
 * Prints one JSON line per mode and a summary with the ratios to the targets (fills ≥ 0.5 ×
 * transfers; batch ≥ 10,000 fills/s). Options: `--fills N` (default 2000), `--batches N`
 * (default 40), `--json` (JSON lines only).
 */
import { readFileSync } from 'node:fs'
import { parseArgs } from 'node:util'
import { encodeFunctionData, type Hex, keccak256 } from 'viem'
import { MARGIN_ABI } from '../execution/precompiles/margin.ts'
import { exampleArtifacts } from '../genesis/contracts/exampleContracts.ts'
import { DEV_BATCH_VENUE, DEV_PERP_VENUE } from '../genesis/dev.ts'
import { MARGIN_ADDRESS } from '../state/system/addresses.ts'
import { sendBatches } from './load.ts'
import { startNodePeer } from './peers.ts'
import { rpc } from './rpc.ts'
import { devAccounts, type SignedTransfer } from './transfers.ts'

const { values } = parseArgs({
  options: {
    fills: { type: 'string', default: '2000' },
    batches: { type: 'string', default: '40' },
    json: { type: 'boolean', default: false },
  },
})
const FILLS = Number(values.fills)
const BATCHES = Number(values.batches)
const BATCH_FILLS = 200
const W = 10n ** 18n
const CHAIN_ID = 31338
const perpAbi = exampleArtifacts().PerpVenue.abi
const batchAbi = exampleArtifacts().BatchVenue.abi
const accounts = devAccounts(10)
const print = (line: unknown) => console.log(JSON.stringify(line))
const say = (msg: string) => values.json || console.error(msg)

interface Call {
  from: number
  to: Hex
  data: Hex
  gas: bigint
}

/** Signs `calls` with each sender's next nonces (read from the node once, kept in `nonces`). */
async function sign(url: string, calls: Call[], nonces: Map<number, number>): Promise<SignedTransfer[]> {
  const out: SignedTransfer[] = []
  for (const c of calls) {
    if (!nonces.has(c.from))
      nonces.set(c.from, Number(BigInt(await rpc<string>(url, 'eth_getTransactionCount', [accounts[c.from].address, 'pending']))))
    const nonce = nonces.get(c.from)!
    nonces.set(c.from, nonce + 1)
    const raw = await accounts[c.from].signTransaction({
      type: 'eip1559',
      chainId: CHAIN_ID,
      nonce,
      to: c.to,
      data: c.data,
      gas: c.gas,
      maxFeePerGas: 50n * 10n ** 9n,
      maxPriorityFeePerGas: 10n ** 6n,
    })
    out.push({ raw, hash: keccak256(raw), from: accounts[c.from].address, nonce })
  }
  return out
}

/** Sends `txs` in batches of 50 (4 in flight) and waits for every receipt; statuses off the clock. */
async function run(url: string, txs: SignedTransfer[]): Promise<{ seconds: number; failed: number; gasUsed: bigint; blocks: Set<string> }> {
  const t0 = performance.now()
  await sendBatches(url, txs, 4, {})
  const receipts = new Map<Hex, { status: string; gasUsed: string; blockNumber: string }>()
  while (receipts.size < txs.length) {
    const missing = txs.filter((t) => !receipts.has(t.hash)).slice(0, 200)
    const found = await Promise.all(
      missing.map((t) => rpc<{ status: string; gasUsed: string; blockNumber: string } | null>(url, 'eth_getTransactionReceipt', [t.hash])),
    )
    missing.forEach((t, i) => found[i] && receipts.set(t.hash, found[i]!))
    if (receipts.size < txs.length) await new Promise((r) => setTimeout(r, 20))
  }
  const seconds = (performance.now() - t0) / 1000
  let failed = 0
  let gasUsed = 0n
  const blocks = new Set<string>()
  for (const r of receipts.values()) {
    if (r.status !== '0x1') failed++
    gasUsed += BigInt(r.gasUsed)
    blocks.add(r.blockNumber)
  }
  return { seconds, failed, gasUsed, blocks }
}

/** The revert reason of the first failed transaction of `txs`, replayed as a call at its block. */
async function firstFailure(url: string, txs: SignedTransfer[], calls: Call[]): Promise<string | undefined> {
  for (let i = 0; i < txs.length; i++) {
    const r = await rpc<{ status: string; blockNumber: string }>(url, 'eth_getTransactionReceipt', [txs[i].hash])
    if (r.status === '0x1') continue
    try {
      const c = calls[i]
      await rpc(url, 'eth_call', [
        { from: accounts[c.from].address, to: c.to, data: c.data, gas: `0x${c.gas.toString(16)}` },
        r.blockNumber,
      ])
      return 'reverted (passes when replayed at its block)'
    } catch (err) {
      return (err as Error).message
    }
  }
  return undefined
}

function peakRssMb(pid: number | undefined): number | undefined {
  if (pid === undefined) return undefined
  const m = /VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))
  return m ? Math.round(Number(m[1]) / 1024) : undefined
}

/** Off the clock: traders 1-8 consent to both venues, makers 1-4 post one deep quote each. */
async function setUp(url: string, nonces: Map<number, number>): Promise<{ perp: number; price: bigint; firstQuote: bigint }> {
  const markets = await rpc<{ underlyings: { symbol: string; price: string }[]; instruments: { id: number; name: string }[] }>(
    url,
    'margin_getMarkets',
  )
  const perp = markets.instruments.find((i) => i.name === 'ETH-PERP')!.id
  const price = BigInt(Math.round(Number(markets.underlyings.find((u) => u.symbol === 'ETH')!.price))) * W
  say(`node ${url}, feeder running; setting up traders and quotes…`)
  // Off the clock: consent to both venues, and one deep standing quote per maker.
  const setup: Call[] = []
  for (let who = 1; who <= 8; who++) {
    for (const venue of [DEV_PERP_VENUE, DEV_BATCH_VENUE])
      setup.push({ from: who, to: MARGIN_ADDRESS, data: setOperator(venue), gas: 200_000n })
  }
  for (let maker = 1; maker <= 4; maker++) {
    setup.push({
      from: maker,
      to: DEV_PERP_VENUE,
      data: encodeFunctionData({ abi: perpAbi, functionName: 'quote', args: [perp, 1_000_000n * W, price, true] }),
      gas: 500_000n,
    })
  }
  const s = await run(url, await sign(url, setup, nonces))
  if (s.failed > 0) throw new Error(`${s.failed} set-up transactions failed`)
  const quoteCount = await rpc<Hex>(url, 'eth_call', [
    { to: DEV_PERP_VENUE, data: encodeFunctionData({ abi: perpAbi, functionName: 'quoteCount' }) },
    'latest',
  ])
  const firstQuote = BigInt(quoteCount) - 3n

  return { perp, price, firstQuote }
}

/** 200 fills a call among accounts 1-8, buyers and sellers alternating so positions stay small. */
function batchCalls(perp: number, price: bigint): Call[] {
  return Array.from({ length: BATCHES }, (_, b) => {
    const trades = Array.from({ length: BATCH_FILLS }, (_, k) => {
      const x = 1 + ((k + b) % 8)
      const y = 1 + ((k + b + 1 + (k % 3)) % 8)
      const [buyer, seller] = (k + b) % 2 === 0 ? [x, y] : [y, x]
      return { buyer: accounts[buyer].address, seller: accounts[seller].address, instrumentId: perp, size: W / 100n, price }
    })
    return {
      from: 0,
      to: DEV_BATCH_VENUE,
      data: encodeFunctionData({ abi: batchAbi, functionName: 'settle', args: [trades] }),
      gas: 15_000_000n,
    }
  })
}

const setOperator = (venue: Hex) => encodeFunctionData({ abi: MARGIN_ABI, functionName: 'setOperator', args: [venue, true] })

async function main() {
  const peer = await startNodePeer({ feeder: true, startTimeoutMs: 90_000 })
  const url = peer.url
  const nonces = new Map<number, number>()
  try {
    const { perp, price, firstQuote } = await setUp(url, nonces)

    const lines: Record<string, { perSecond: number }> = {}
    const report = async (mode: string, calls: Call[], fills: number) => {
      const txs = await sign(url, calls, nonces)
      const r = await run(url, txs)
      const line = {
        bench: 'fills',
        mode,
        txs: txs.length,
        fills,
        seconds: Number(r.seconds.toFixed(3)),
        perSecond: Math.round((fills || txs.length) / r.seconds),
        failed: r.failed,
        firstFailure: r.failed ? await firstFailure(url, txs, calls) : undefined,
        gasPerTx: Number(r.gasUsed / BigInt(txs.length)),
        blocks: r.blocks.size,
        peakRssMb: peakRssMb(peer.pid),
      }
      lines[mode] = line
      print(line)
    }

    const transfers: Call[] = Array.from({ length: FILLS }, (_, i) => ({
      from: 1 + (i % 8),
      to: accounts[9 - (i % 8)].address,
      data: '0x',
      gas: 21_000n,
    }))
    // Warm-up off the clock (V8 compiles the hot paths during the first few thousand
    // transactions, as bench:tps's warm peers): one round of transfers and of fills.
    const warm = await run(url, await sign(url, transfers, nonces))
    say(`warm-up: ${transfers.length} transfers in ${warm.seconds.toFixed(1)} s`)
    await report('transfers', transfers, 0)
    const fills: Call[] = Array.from({ length: FILLS }, (_, i) => ({
      from: 5 + (i % 4),
      to: DEV_PERP_VENUE,
      data: encodeFunctionData({ abi: perpAbi, functionName: 'fill', args: [firstQuote + BigInt(i % 4), W / 100n] }),
      gas: 1_000_000n,
    }))
    const warmFills = await run(url, await sign(url, fills.slice(0, FILLS / 4), nonces))
    say(`warm-up: ${FILLS / 4} fills in ${warmFills.seconds.toFixed(1)} s (${warmFills.failed} failed)`)
    await report('fills', fills, FILLS)
    const batches = batchCalls(perp, price)
    await report('batch', batches, BATCHES * BATCH_FILLS)
    const fillsRatio = lines.fills.perSecond / lines.transfers.perSecond
    print({
      bench: 'fills',
      summary: true,
      ratios: { fillsToTransfers: Number(fillsRatio.toFixed(3)), batchFillsPerSecond: lines.batch.perSecond },
      targets: { fillsToTransfers: 0.5, batchFillsPerSecond: 10_000, peakRssMb: 1024 },
      pass: {
        fills: fillsRatio >= 0.5,
        batch: lines.batch.perSecond >= 10_000,
        rss: (peakRssMb(peer.pid) ?? 0) < 1024,
      },
    })
  } finally {
    await peer.stop()
  }
}

await main()
