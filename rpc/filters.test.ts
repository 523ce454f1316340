import { describe, expect, it } from 'vitest'
import type { ChainEvents } from '../chain/types.ts'
import type { Hex, StoredLog } from '../state/types.ts'
import type { ChainEventSource } from './eventHub.ts'
import { createFilterStore, matchLog } from './filters.ts'

const A = `0x${'aa'.repeat(20)}` as Hex
const B = `0x${'bb'.repeat(20)}` as Hex
const T1 = `0x${'11'.repeat(32)}` as Hex
const T2 = `0x${'22'.repeat(32)}` as Hex
const T3 = `0x${'33'.repeat(32)}` as Hex

const log = (address: Hex, topics: Hex[], blockNumber = 1n): StoredLog => ({
  address,
  topics,
  data: '0x',
  blockNumber,
  blockHash: `0x${'cc'.repeat(32)}`,
  transactionHash: `0x${'dd'.repeat(32)}`,
  transactionIndex: 0,
  logIndex: 0,
})

describe('matchLog', () => {
  it('matches addresses and topic positions as geth does', () => {
    const l = log(A, [T1, T2])
    expect(matchLog(l, undefined, undefined)).toBe(true)
    expect(matchLog(l, [A, B], undefined)).toBe(true)
    expect(matchLog(l, [B], undefined)).toBe(false)
    expect(matchLog(l, undefined, [T1])).toBe(true)
    expect(matchLog(l, undefined, [null, T2])).toBe(true)
    expect(matchLog(l, undefined, [T2])).toBe(false)
    expect(matchLog(l, undefined, [[T3, T1], [T2]])).toBe(true)
    expect(matchLog(l, undefined, [[T3], null])).toBe(false)
    // A position beyond the log's topics must be a wildcard.
    expect(matchLog(l, undefined, [T1, T2, null])).toBe(true)
    expect(matchLog(l, undefined, [T1, T2, T3])).toBe(false)
    // geth: an empty alternative list is a wildcard; addresses compare case-insensitively.
    expect(matchLog(l, undefined, [[]])).toBe(true)
    expect(matchLog(l, [A.toUpperCase().replace('0X', '0x') as typeof A], undefined)).toBe(true)
  })
})

/** A hand-fed event source standing in for the chain. */
function fakeEvents() {
  const block = new Set<ChainEvents['block']>()
  const pending = new Set<ChainEvents['pendingTransaction']>()
  const source: ChainEventSource = {
    on: (e, fn) => void (e === 'block' ? block.add(fn as never) : pending.add(fn as never)),
    off: (e, fn) => void (e === 'block' ? block.delete(fn as never) : pending.delete(fn as never)),
  }
  const mine = (n: bigint, logs: StoredLog[]) => {
    const b = { hash: () => new Uint8Array(32).fill(Number(n)), header: { number: n } }
    for (const fn of block) fn(b as never, [{ logs } as never])
  }
  const pend = (h: Hex) => {
    for (const fn of pending) fn(h)
  }
  return { source, mine, pend, listeners: () => block.size + pending.size }
}

describe('createFilterStore', () => {
  it('buffers blocks, matching logs and pending hashes until polled', () => {
    const ev = fakeEvents()
    const store = createFilterStore(ev.source)
    store.start()
    const blocks = store.install('blocks')
    const logs = store.install('logs', { addresses: [A], topics: [T1], fromBlock: 2n })
    const pend = store.install('pendingTransactions')
    expect(blocks).toMatch(/^0x[0-9a-f]{32}$/)
    ev.mine(1n, [log(A, [T1], 1n)]) // before fromBlock
    ev.mine(2n, [log(A, [T1], 2n), log(B, [T1], 2n), log(A, [T2], 2n)])
    ev.pend(T3)
    expect(store.takeChanges(blocks)).toHaveLength(2)
    expect(store.takeChanges(blocks)).toEqual([])
    const got = store.takeChanges(logs) as StoredLog[]
    expect(got.map((l) => [l.address, l.blockNumber])).toEqual([[A, 2n]])
    expect(store.takeChanges(pend)).toEqual([T3])
    expect(store.uninstall(blocks)).toBe(true)
    expect(store.takeChanges(blocks)).toBeUndefined()
    store.stop()
    expect(ev.listeners()).toBe(0)
    expect(store.size).toBe(0)
  })

  it('drops a filter nobody polls for the ttl', async () => {
    const ev = fakeEvents()
    const store = createFilterStore(ev.source, 300)
    store.start()
    const kept = store.install('blocks')
    const idle = store.install('blocks')
    for (let i = 0; i < 20; i++) {
      await new Promise((r) => setTimeout(r, 40))
      store.takeChanges(kept)
    }
    expect(store.get(idle)).toBeUndefined()
    expect(store.takeChanges(kept)).toEqual([])
    store.stop()
  })
})
