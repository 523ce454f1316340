/**
 * `node --import tsx bench/mempoolFull.ts`: the mempool at its bound, in-process. 5,120 funded
 * accounts each put one transfer in (the pool full, as many senders as slots: the most work per
 * eviction choice and per block); then, timed, µs per call of `sendRawTransaction`:
 * - `refused`: 500 transfers from fresh senders at the same fees, refused "transaction underpriced";
 * - `evicting`: 500 that pay more, each admitted by evicting the cheapest;
 * and the first block's time (ms) with the pool full: the per-sender nonce pass over 5,120 senders,
 * selection, execution of what fits (1,428 transfers in 30M gas), commit. One JSON line.
 *
 * Options: `--senders 5120`.
 */
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { parseArgs } from 'node:util'
import pino from 'pino'
import { type Hex, hexToBytes, keccak256, parseEther, parseGwei, toHex } from 'viem'
import { privateKeyToAccount } from 'viem/accounts'
import { createNode } from '../chain/node.ts'
import { devGenesis } from '../genesis/dev.ts'

const { values } = parseArgs({ options: { senders: { type: 'string', default: '5120' } } })
const SENDERS = Number(values.senders)
const EXTRA = 500

const keys = Array.from({ length: SENDERS + 2 * EXTRA }, (_, i) => keccak256(toHex(`mempoolFull ${i}`)))
const accounts = keys.map((k) => privateKeyToAccount(k))
const genesis = devGenesis()
for (const a of accounts) genesis.alloc[a.address.toLowerCase() as Hex] = { balance: parseEther('1'), nonce: 0n }

async function transfer(i: number, tip: bigint): Promise<Uint8Array> {
  const raw = await accounts[i].signTransaction({
    type: 'eip1559',
    chainId: 31338,
    nonce: 0,
    to: accounts[0].address,
    value: 1n,
    gas: 21_000n,
    maxFeePerGas: parseGwei('10') + tip,
    maxPriorityFeePerGas: tip,
  })
  return hexToBytes(raw)
}

const fill = await Promise.all(accounts.slice(0, SENDERS).map((_, i) => transfer(i, parseGwei('1'))))
const same = await Promise.all(Array.from({ length: EXTRA }, (_, i) => transfer(SENDERS + i, parseGwei('1'))))
const more = await Promise.all(Array.from({ length: EXTRA }, (_, i) => transfer(SENDERS + EXTRA + i, parseGwei('2'))))

const dir = mkdtempSync(join(tmpdir(), 'um-bench-full-'))
const node = await createNode({ datadir: dir, genesis, blockTimeMs: 250, logger: pino({ level: 'silent' }), produce: false })
try {
  for (const raw of fill) await node.sendRawTransaction(raw)
  if (node.mempool.size !== Math.min(SENDERS, node.mempool.limits.totalSlots)) throw new Error(`pool holds ${node.mempool.size}`)
  let t = performance.now()
  let refused = 0
  for (const raw of same) await node.sendRawTransaction(raw).catch(() => refused++)
  const refusedUs = ((performance.now() - t) * 1000) / EXTRA
  t = performance.now()
  for (const raw of more) await node.sendRawTransaction(raw)
  const evictingUs = ((performance.now() - t) * 1000) / EXTRA
  const size = node.mempool.size
  t = performance.now()
  const block = (await node.produceBlock())!
  const blockMs = performance.now() - t
  console.log(
    JSON.stringify({
      bench: 'mempoolFull',
      senders: SENDERS,
      pool: size,
      refused,
      refusedUsPerTx: Number(refusedUs.toFixed(1)),
      evictingUsPerTx: Number(evictingUs.toFixed(1)),
      firstBlockMs: Number(blockMs.toFixed(1)),
      firstBlockTxs: block.transactions.length,
    }),
  )
} finally {
  await node.close()
  rmSync(dir, { recursive: true, force: true })
}
