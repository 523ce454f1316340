/**
 * `node --import tsx bench/admission.ts`: the CPU cost of transaction admission, in-process
 * (no HTTP): `Node.sendRawTransaction` on 4,000 pre-signed transfers from the 10 dev accounts
 * (400 each, consecutive nonces, interleaved as `bench:tps` sends them), no block made while
 * they go in, so the pool grows to 4,000; then, timed apart, the blocks that mine them (selection,
 * execution, commit). One JSON line per mode: median and best round, µs per transaction.
 *
 * Modes: `sequential` (one call awaited after the other) and `concurrent` (32 calls in flight, as
 * `bench:tps` single mode keeps 32 requests in flight). Each round runs on a fresh node after a
 * warm-up round (V8's JIT) that is not reported.
 *
 * Options: `--txs 4000`, `--rounds 5`.
 */
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { parseArgs } from 'node:util'
import pino from 'pino'
import { hexToBytes, parseGwei } from 'viem'
import { privateKeyToAccount } from 'viem/accounts'
import { createNode } from '../chain/node.ts'
import { DEV_ACCOUNTS, devGenesis } from '../genesis/dev.ts'

const { values } = parseArgs({
  options: { txs: { type: 'string', default: '4000' }, rounds: { type: 'string', default: '5' } },
})
const TXS = Number(values.txs)
const ROUNDS = Number(values.rounds)
const SENDERS = 10

async function signAll(): Promise<Uint8Array[]> {
  const accounts = DEV_ACCOUNTS.slice(0, SENDERS).map(([, key]) => privateKeyToAccount(key))
  const out: Uint8Array[] = []
  for (let i = 0; i < TXS; i++) {
    const s = i % SENDERS
    const raw = await accounts[s].signTransaction({
      type: 'eip1559',
      chainId: 31338,
      nonce: Math.floor(i / SENDERS),
      to: accounts[(s + 1) % SENDERS].address,
      value: 10n ** 9n,
      gas: 21_000n,
      maxFeePerGas: parseGwei('100'),
      maxPriorityFeePerGas: parseGwei('1'),
    })
    out.push(hexToBytes(raw))
  }
  return out
}

async function round(raws: Uint8Array[], concurrency: number): Promise<{ admitUs: number; mineUs: number }> {
  const dir = mkdtempSync(join(tmpdir(), 'um-bench-admission-'))
  const node = await createNode({ datadir: dir, genesis: devGenesis(), blockTimeMs: 250, logger: pino({ level: 'silent' }), produce: false })
  try {
    let next = 0
    const started = performance.now()
    const worker = async () => {
      while (next < raws.length) await node.sendRawTransaction(raws[next++])
    }
    await Promise.all(Array.from({ length: concurrency }, worker))
    const ms = performance.now() - started
    if (node.mempool.size !== raws.length) throw new Error(`pool holds ${node.mempool.size}, expected ${raws.length}`)
    // Then the blocks that take them (selection, execution, commit), timed apart.
    const mining = performance.now()
    while (node.mempool.size > 0) await node.produceBlock()
    return { admitUs: (ms * 1000) / raws.length, mineUs: ((performance.now() - mining) * 1000) / raws.length }
  } finally {
    await node.close()
    rmSync(dir, { recursive: true, force: true })
  }
}

const raws = await signAll()
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]
const min = (xs: number[]) => Math.min(...xs)
const round1 = (x: number) => Number(x.toFixed(1))
for (const [mode, concurrency] of [['sequential', 1], ['concurrent', 32]] as const) {
  await round(raws, concurrency)
  const rounds: { admitUs: number; mineUs: number }[] = []
  for (let r = 0; r < ROUNDS; r++) rounds.push(await round(raws, concurrency))
  const admit = rounds.map((r) => r.admitUs)
  const mine = rounds.map((r) => r.mineUs)
  console.log(
    JSON.stringify({
      bench: 'admission',
      mode,
      txs: TXS,
      admitMedianUsPerTx: round1(median(admit)),
      admitMinUsPerTx: round1(min(admit)),
      mineMedianUsPerTx: round1(median(mine)),
      mineMinUsPerTx: round1(min(mine)),
      rounds: rounds.map((r) => [round1(r.admitUs), round1(r.mineUs)]),
    }),
  )
}
