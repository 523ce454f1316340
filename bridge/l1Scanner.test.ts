import { type Address, type Hex, keccak256, toHex } from 'viem'
import { describe, expect, it } from 'vitest'
import { createMemoryBridgeStore, fromJson, toJson } from './bridgeStore.ts'
import { createCommitmentPoster, posterStoreKey } from './commitmentPoster.ts'
import { createDepositWatcher, type DepositSink } from './depositWatcher.ts'
import { backoffDelayMs, createL1Scanner, type ScanState } from './l1Scanner.ts'
import { createMemoryL1, type MemoryL1 } from './memoryL1.ts'
import type { DepositLog, FinalDeposit } from './types.ts'

const portal: Address = '0x00000000000000000000000000000000000a11ce'
const alice: Address = '0x0000000000000000000000000000000000000001'

/** A scanner over `l1`'s deposit logs that keeps what it took, forgetting it on an unwind. */
function depositScan(l1: MemoryL1, extra: { state?: ScanState; maxBlockRange?: bigint; now?: () => number } = {}) {
  const taken: DepositLog[] = []
  const unwinds: bigint[] = []
  const warnings: string[] = []
  const infos: string[] = []
  const scanner = createL1Scanner({
    client: l1,
    startBlock: 1n,
    label: 'deposit',
    getLogs: (from, to) => l1.getDepositLogs(portal, from, to),
    onLogs: (logs) => void taken.push(...logs),
    onUnwind(ancestor) {
      unwinds.push(ancestor)
      taken.splice(0, taken.length, ...taken.filter((d) => d.l1Block <= ancestor))
    },
    logger: { debug() {}, info: (_o, m) => void infos.push(m ?? ''), warn: (_o, m) => void warnings.push(m ?? '') },
    baseDelayMs: 100,
    maxBackoffMs: 350,
    ...extra,
  })
  return { scanner, taken, unwinds, warnings, infos }
}

/** The `[from, to]` of every deposit-log query made since `since` calls. */
const ranges = (l1: MemoryL1, since = 0) =>
  l1.calls.slice(since).flatMap((c) => (c.method === 'getDepositLogs' ? [[c.args[1], c.args[2]]] : []))

function recordingSink(): DepositSink & { all(): FinalDeposit[] } {
  const calls: FinalDeposit[][] = []
  return {
    all: () => calls.flat(),
    async credit(deposits) {
      calls.push(deposits)
      return { l2Block: BigInt(calls.length) }
    },
  }
}

describe('memoryL1', () => {
  it('has hashed blocks, safe/finalized a depth below latest (or pinned), and reorgs that replace blocks', async () => {
    const l1 = createMemoryL1({ safeDepth: 2, finalizedDepth: 4 })
    l1.mine(9)
    expect([await l1.blockNumber('latest'), await l1.blockNumber('safe'), await l1.blockNumber('finalized')]).toEqual([9n, 7n, 5n])
    const b8 = await l1.getBlock(8n)
    expect(b8?.parentHash).toBe((await l1.getBlock(7n))?.hash)
    const d = l1.deposit(portal, { l2Recipient: alice, amountL1: 5n })
    expect(d).toMatchObject({ depositId: 1n, l1Block: 10n, l1BlockHash: (await l1.getBlock(10n))?.hash })
    l1.reorg(3, 4)
    expect(l1.latest()).toBe(11n)
    expect((await l1.getBlock(7n))?.hash).toBe(b8?.parentHash)
    expect((await l1.getBlock(8n))?.hash).not.toBe(b8?.hash)
    expect(await l1.getDepositLogs(portal, 0n, 11n)).toEqual([])
    expect(l1.deposit(portal, { l2Recipient: alice, amountL1: 6n }).depositId).toBe(1n) // the portal's count went back too
    l1.tags.finalized = 3n
    expect(await l1.blockNumber('finalized')).toBe(3n)
    l1.down = true
    await expect(l1.getBlock(1n)).rejects.toThrow(/L1 unavailable/)
  })
})

describe('l1Scanner (memory L1)', () => {
  it('unwinds a reorg deeper than one step to the newest checkpoint still canonical and rescans from it', async () => {
    const l1 = createMemoryL1({ finalizedDepth: 100 })
    const { scanner, taken, unwinds, warnings } = depositScan(l1, { maxBlockRange: 2n })
    l1.mine(2)
    l1.deposit(portal, { l2Recipient: alice, amountL1: 1n }) // block 3
    l1.mine(4)
    l1.deposit(portal, { l2Recipient: alice, amountL1: 2n }) // block 8
    l1.deposit(portal, { l2Recipient: alice, amountL1: 3n }) // block 9
    l1.mine(1)
    await scanner.sync()
    expect(scanner.state.cursor).toBe(10n)
    expect(scanner.state.checkpoints.map((c) => c.number)).toEqual([2n, 4n, 6n, 8n, 10n])
    expect(taken.map((d) => d.depositId)).toEqual([1n, 2n, 3n])

    l1.reorg(5, 6) // blocks 6..10 replaced: two steps deep, checkpoints 6, 8 and 10 are gone
    const replacement = l1.deposit(portal, { l2Recipient: alice, amountL1: 4n }) // block 12, id 2 again
    const since = l1.calls.length
    await scanner.sync()
    expect(unwinds).toEqual([4n])
    expect(warnings).toEqual(['bridge: L1 reorg, rewinding the deposit scan'])
    expect(ranges(l1, since)).toEqual([
      [5n, 6n],
      [7n, 8n],
      [9n, 10n],
      [11n, 12n],
    ])
    expect(taken.map((d) => [d.depositId, d.amountL1, d.l1Block])).toEqual([
      [1n, 1n, 3n],
      [2n, 4n, replacement.l1Block],
    ])
  })

  it('takes nothing from a range whose end block changed between the log query and the block read', async () => {
    const l1 = createMemoryL1()
    const { scanner, taken } = depositScan(l1)
    l1.deposit(portal, { l2Recipient: alice, amountL1: 1n })
    const getLogs = l1.getDepositLogs
    l1.getDepositLogs = async (...args) => {
      const logs = await getLogs(...args)
      l1.reorg(1) // the block the logs came from is replaced before the scanner reads it
      return logs
    }
    await scanner.sync()
    expect([taken, scanner.state.cursor]).toEqual([[], 0n])
    l1.getDepositLogs = getLogs
    await scanner.sync()
    expect(taken).toEqual([])
    expect(scanner.state.cursor).toBe(1n)
  })

  it('pauses with a warning during an outage, backs off by one rule, and resumes when the L1 is back', async () => {
    expect([0, 1, 2, 3, 4, 40].map((n) => backoffDelayMs(n, 100, 350))).toEqual([0, 100, 200, 350, 350, 350])
    const l1 = createMemoryL1()
    let t = 1_000
    const { scanner, taken, warnings, infos } = depositScan(l1, { now: () => t })
    l1.down = true
    l1.deposit(portal, { l2Recipient: alice, amountL1: 7n })
    expect(await scanner.attempt(() => scanner.sync())).toBe('failed')
    expect(scanner.health()).toMatchObject({ up: false, failures: 1, retryAt: 1_100 })
    expect(scanner.health().lastError).toMatch(/L1 unavailable at memory:\/\/l1/)
    expect(warnings).toEqual(['bridge: deposit pass failed; retrying'])

    const calls = l1.calls.length
    t = 1_099
    expect(await scanner.attempt(() => scanner.sync())).toBe('paused')
    expect(l1.calls.length).toBe(calls) // a paused scanner does not touch the L1
    t = 1_100
    expect(await scanner.attempt(() => scanner.sync())).toBe('failed')
    expect(scanner.health().retryAt).toBe(1_300) // 2 failures: 200 ms
    t = 1_300
    await scanner.attempt(() => scanner.sync())
    expect(scanner.health()).toMatchObject({ failures: 3, retryAt: 1_650 }) // capped at 350 ms
    expect(taken).toEqual([])

    l1.down = false
    t = 1_649
    expect(await scanner.attempt(() => scanner.sync())).toBe('paused')
    t = 1_650
    expect(await scanner.attempt(() => scanner.sync())).toBe('ran')
    expect(scanner.health()).toEqual({ up: true, failures: 0, lastError: null, retryAt: 0 })
    expect(infos).toEqual(['bridge: L1 back, resuming'])
    expect(taken.map((d) => d.amountL1)).toEqual([7n])
  })

  it('reads the safe and finalized tags and keeps checkpoints above finalized plus one anchor', async () => {
    const l1 = createMemoryL1({ safeDepth: 2, finalizedDepth: 4 })
    const { scanner, unwinds } = depositScan(l1, { maxBlockRange: 1n })
    l1.mine(10)
    expect(await scanner.sync()).toEqual({ latest: 10n, safe: 8n, finalized: 6n })
    expect(scanner.heads()).toEqual({ latest: 10n, safe: 8n, finalized: 6n })
    expect(scanner.state.checkpoints.map((c) => c.number)).toEqual([6n, 7n, 8n, 9n, 10n])
    l1.tags = { safe: 10n, finalized: 9n } // a chain whose tags jump
    await scanner.sync()
    expect(scanner.state.checkpoints.map((c) => c.number)).toEqual([9n, 10n])
    // A reorg below every checkpoint (deeper than finality) rewinds to the start.
    l1.reorg(10)
    await scanner.sync()
    expect(unwinds).toEqual([0n])
    expect(scanner.state.checkpoints.map((c) => c.number)).toEqual([9n, 10n])
  })

  it('resumes from a saved checkpoint after a restart, and still sees a reorg made while it was stopped', async () => {
    const l1 = createMemoryL1({ finalizedDepth: 100 })
    const store = createMemoryBridgeStore()
    const a = depositScan(l1, { maxBlockRange: 3n })
    l1.deposit(portal, { l2Recipient: alice, amountL1: 1n })
    l1.mine(6)
    await a.scanner.sync()
    await store.put('scan', toJson(a.scanner.state))

    const b = depositScan(l1, { state: fromJson<ScanState>((await store.get('scan')) as string), maxBlockRange: 3n })
    let since = l1.calls.length
    await b.scanner.sync()
    expect(ranges(l1, since)).toEqual([]) // nothing new: nothing read again
    l1.mine(2)
    since = l1.calls.length
    await b.scanner.sync()
    expect(ranges(l1, since)).toEqual([[8n, 9n]])
    await store.put('scan', toJson(b.scanner.state))

    expect(b.scanner.state.checkpoints.map((cp) => cp.number)).toEqual([3n, 6n, 7n, 9n])
    l1.reorg(4) // while stopped: blocks 6..9 replaced, checkpoint 3 is the newest still canonical
    const c = depositScan(l1, { state: fromJson<ScanState>((await store.get('scan')) as string), maxBlockRange: 3n })
    since = l1.calls.length
    await c.scanner.sync()
    expect(c.unwinds).toEqual([3n])
    expect(ranges(l1, since)).toEqual([
      [4n, 6n],
      [7n, 9n],
    ])
    expect(c.taken).toEqual([]) // the new blocks 6..9 hold no deposit
  })

  it('checks the chain id on the first pass when given one', async () => {
    const l1 = createMemoryL1({ chainId: 5 })
    const scanner = createL1Scanner({ client: l1, chainId: 1, label: 'x', getLogs: async () => [], onLogs() {}, onUnwind() {} })
    expect(await scanner.attempt(() => scanner.sync())).toBe('failed')
    expect(scanner.health().lastError).toMatch(/chain id is 5, the bridge source expects 1/)
  })
})

describe('the watcher and the poster on the memory L1', () => {
  it('each finality rule credits at its own head; a deposit reorged deeper than a step is dropped', async () => {
    const l1 = createMemoryL1({ safeDepth: 2, finalizedDepth: 4 })
    const portals = ['0x00000000000000000000000000000000000000f1', '0x00000000000000000000000000000000000000f2'] as const
    const sink = recordingSink()
    const w = await createDepositWatcher({
      sources: [
        { config: { chainId: 31_337, portal: portals[0], finality: 'safe' }, client: l1 },
        { config: { chainId: 31_337, portal: portals[1], finality: { confirmations: 4 } }, client: l1 },
      ],
      store: createMemoryBridgeStore(),
      sink,
      maxBlockRange: 2n,
    })
    l1.deposit(portals[0], { l2Recipient: alice, amountL1: 1n }) // block 1
    l1.deposit(portals[1], { l2Recipient: alice, amountL1: 2n }) // block 2
    l1.mine(1)
    await w.syncOnce() // latest 3: safe 1
    expect(sink.all().map((d) => d.amountL1)).toEqual([1n])
    l1.mine(1)
    await w.syncOnce() // latest 4: block 2 has 3 confirmations
    expect(sink.all()).toHaveLength(1)
    l1.mine(1)
    await w.syncOnce()
    expect(sink.all().map((d) => d.amountL1)).toEqual([1n, 2n])

    const gone = l1.deposit(portals[0], { l2Recipient: alice, amountL1: 3n }) // block 6
    l1.mine(1)
    await w.syncOnce()
    l1.reorg(3, 5)
    await w.syncOnce()
    expect(w.deposits().find((d) => d.l1TxHash === gone.l1TxHash)?.status).toBe('dropped')
    expect(sink.all()).toHaveLength(2)
    expect(w.status().map((s) => [s.l1Up, s.scannedBlock])).toEqual([
      [true, 9n],
      [true, 9n],
    ])
  })

  it('the poster drops a commitment reorged away, posts again, and reads a store of the old shape', async () => {
    const l1 = createMemoryL1({ safeDepth: 2, finalizedDepth: 4 })
    const store = createMemoryBridgeStore()
    let head = 3n
    const source = { latestCommitment: async () => ({ l2Block: head, stateRoot: keccak256(toHex(head)), withdrawals: [] }) }
    const opts = { chainId: 31_337, portal, client: l1, source, store, challengePeriodSeconds: 0, tokenDecimals: {} }
    const poster = await createCommitmentPoster(opts)
    expect(await poster.postOnce()).toMatchObject({ status: 'posted', commitment: { index: 0, l2Block: 3n } })
    l1.mine(5)
    head = 5n
    expect(await poster.postOnce()).toMatchObject({ status: 'posted', commitment: { index: 1, l1Block: 7n } })
    l1.reorg(1, 2)
    await poster.refresh()
    expect(poster.commitments().map((c) => [c.index, c.l2Block, c.l1Finalized])).toEqual([[0, 3n, true]])
    head = 6n
    expect(await poster.postOnce()).toMatchObject({ status: 'posted', commitment: { index: 1, l2Block: 6n, l1Block: 9n } })

    // A store written before the l1Scanner holds one `scanned` block instead of a cursor.
    const key = posterStoreKey(31_337, portal)
    const {
      cursor: _c,
      checkpoints: _k,
      ...rest
    } = fromJson<{ cursor: bigint; checkpoints: { number: bigint; hash: Hex }[] }>((await store.get(key)) as string)
    await store.put(key, toJson({ ...rest, scanned: { number: 9n, hash: l1.block(9n)?.hash } }))
    l1.mine(1)
    const restarted = await createCommitmentPoster(opts)
    const since = l1.calls.length
    await restarted.refresh()
    const scans = l1.calls.slice(since).filter((c) => c.method === 'getCommitmentLogs')
    expect(scans.map((c) => [c.args[1], c.args[2]])).toEqual([[10n, 10n]])
    expect(restarted.commitments().map((c) => c.l2Block)).toEqual([3n, 6n])
  })
})
