import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import pino from 'pino'
import { hexToBytes, parseGwei } from 'viem'
import { privateKeyToAccount } from 'viem/accounts'
import { afterEach, describe, expect, it } from 'vitest'
import { DEV_ACCOUNTS, devGenesis } from '../genesis/dev.ts'
import type { Hex } from '../state/types.ts'
import { ShuttingDownError, TooManyLogsError } from './errors.ts'
import { createNode, type Node, type NodeOptions } from './node.ts'

const logger = pino({ level: 'silent' })
const alice = privateKeyToAccount(DEV_ACCOUNTS[0][1])
const LOOP = `0x${'22'.repeat(20)}` as Hex
/** JUMPDEST PUSH0 JUMP: an endless loop, as code of an override or as init code. */
const ENDLESS = '0x5b5f56' as Hex
const dirs: string[] = []
/** One genesis for the file (the dev genesis is dated when built), so reopened datadirs match it. */
const genesis = devGenesis()
const nodes: Node[] = []

async function open(opts: Partial<NodeOptions> = {}, datadir?: string): Promise<Node> {
  const dir = datadir ?? mkdtempSync(join(tmpdir(), 'um-bounds-'))
  if (!datadir) dirs.push(dir)
  const node = await createNode({ datadir: dir, genesis, blockTimeMs: 50, heartbeatMs: 50, logger, produce: false, ...opts })
  nodes.push(node)
  return node
}

afterEach(async () => {
  for (const n of nodes.splice(0)) await n.close()
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true })
})

const loopCall = { to: LOOP, gas: 2n ** 64n - 1n }
const loopCode = { [LOOP]: { code: ENDLESS } }

describe('Node: bounded calls', () => {
  it('an endless eth_call with gas 2^64-1 answers with the timeout while blocks keep coming', async () => {
    // A cap high enough that time, not gas, ends the loop.
    const node = await open({ rpcGasCap: 2n ** 62n, rpcEvmTimeoutMs: 1_000 })
    let blocks = 0
    node.on('block', () => blocks++)
    node.startProducing()
    const r = await node.call(loopCall, 'latest', loopCode)
    expect(r).toMatchObject({ ok: false, reverted: false, error: 'execution aborted (timeout = 1s)' })
    // Empty blocks every 50 ms (the heartbeat) went on meanwhile.
    expect(blocks).toBeGreaterThan(0)
  })

  it('clamps the gas of a call to the cap', async () => {
    const node = await open({ rpcGasCap: 300_000n })
    const r = await node.call(loopCall, 'latest', loopCode)
    expect(r).toMatchObject({ ok: false, error: 'out of gas', gasUsed: 300_000n })
  })

  it('a batch deadline ends the call sooner than its own limit', async () => {
    const node = await open({ rpcGasCap: 2n ** 62n, rpcEvmTimeoutMs: 60_000 })
    const r = await node.call(loopCall, 'latest', loopCode, { deadline: performance.now() + 100 })
    expect(r.ok).toBe(false)
    expect(!r.ok && !r.reverted && r.error).toMatch(/^execution aborted \(timeout = \d+ms\)$/)
  })

  it('shutdown aborts a call in flight: it answers "shutting down" at once, not at its timeout', async () => {
    const node = await open({ rpcGasCap: 2n ** 62n, rpcEvmTimeoutMs: 600_000 })
    const running = node.call(loopCall, 'latest', loopCode).catch((e) => e)
    setTimeout(() => void node.stopProducing(), 50)
    expect(await running).toBeInstanceOf(ShuttingDownError)
    await expect(node.estimateGas({ to: LOOP }, 'latest', loopCode)).rejects.toBeInstanceOf(ShuttingDownError)
  })
})

describe('Node: bounded log queries', () => {
  it('refuses a query over its limit, with a range that fits', async () => {
    const node = await open()
    // Two blocks whose one transaction (a creation) emits three logs each: LOG0 ×3 in init code.
    for (let nonce = 0; nonce < 2; nonce++) {
      const raw = await alice.signTransaction({
        chainId: 31338,
        type: 'eip1559',
        data: '0x5f5fa05f5fa05f5fa000',
        nonce,
        gas: 100_000n,
        maxFeePerGas: parseGwei('10'),
        maxPriorityFeePerGas: parseGwei('1'),
      })
      await node.sendRawTransaction(hexToBytes(raw))
      await node.produceBlock()
    }
    const all = { fromBlock: 0n, toBlock: 2n }
    expect(await node.getLogs(all)).toHaveLength(6)
    expect(await node.getLogs(all, 6)).toHaveLength(6)
    const err = await node.getLogs(all, 4).catch((e) => e)
    expect(err).toBeInstanceOf(TooManyLogsError)
    expect(err.shortMessage).toBe('query returned more than 4 results. Try with this block range [0x0, 0x1].')
    expect((await node.getLogs(all, 2).catch((e) => e)).shortMessage).toBe(
      'query returned more than 2 results. Try with this block range [0x0, 0x0].',
    )
  })
})

describe('Node: shutdown during a heavy block', () => {
  it('drops the block whose transaction still runs past the grace, and keeps the head', async () => {
    const datadir = mkdtempSync(join(tmpdir(), 'um-bounds-'))
    dirs.push(datadir)
    const node = await open({ stopGraceMs: 0 }, datadir)
    // A creation whose init code loops until its 30M gas are gone: seconds of work.
    const raw = await alice.signTransaction({
      chainId: 31338,
      type: 'eip1559',
      data: ENDLESS,
      nonce: 0,
      gas: 30_000_000n,
      maxFeePerGas: parseGwei('10'),
      maxPriorityFeePerGas: parseGwei('1'),
    })
    await node.sendRawTransaction(hexToBytes(raw))
    let started!: () => void
    const picked = new Promise<void>((r) => (started = r))
    // The heavy block is under way once the mempool has handed out its transaction.
    const executable = node.mempool.executable.bind(node.mempool)
    node.mempool.executable = (...args) => {
      const txs = executable(...args)
      return (function* () {
        for (const ptx of txs) {
          started()
          yield ptx
        }
      })()
    }
    node.startProducing()
    await picked
    await node.stopProducing()
    // Had the block run to its end it would be block 1; its transaction waits in the pool.
    expect(node.headNumber()).toBe(0n)
    expect(node.mempool.size).toBe(1)
    await node.close()
    nodes.splice(nodes.indexOf(node), 1)
    const again = await open({}, datadir)
    expect(again.headNumber()).toBe(0n)
  })
})
