import { createBlock } from '@ethereumjs/block'
import { createCustomCommon, Hardfork, Mainnet } from '@ethereumjs/common'
import pino from 'pino'
import { describe, expect, it } from 'vitest'
import type { ChainEvents } from '../chain/types.ts'
import type { Hex, StoredLog } from '../state/types.ts'
import { ethSubscriptions } from './eth.ts'
import { deliver, SubscriberGroups } from './subscriberGroups.ts'
import type { RpcContext } from './types.ts'

/** TEST DOUBLE: an event hub with its listeners in view, and a context around it. */
function fakeContext() {
  const listeners = { block: new Set<(...args: any[]) => unknown>(), pendingTransaction: new Set<(...args: any[]) => unknown>() }
  const ctx = {
    events: {
      on: <E extends keyof ChainEvents>(e: E, fn: ChainEvents[E]) => void listeners[e].add(fn),
      off: <E extends keyof ChainEvents>(e: E, fn: ChainEvents[E]) => void listeners[e].delete(fn),
    },
    logger: pino({ level: 'silent' }),
  } as unknown as RpcContext
  const block = (n: bigint, logs: StoredLog[]) => {
    for (const fn of listeners.block) fn({ header: { number: n } }, [{ logs }])
  }
  return { ctx, listeners, block }
}

const common = createCustomCommon({ chainId: 31338 }, Mainnet, { hardfork: Hardfork.Prague })
const A = `0x${'aa'.repeat(20)}` as Hex
const B = `0x${'bb'.repeat(20)}` as Hex
const T = `0x${'11'.repeat(32)}` as Hex
const log = (address: Hex, logIndex: number): StoredLog => ({
  address,
  topics: [T],
  data: '0x',
  blockNumber: 5n,
  blockHash: `0x${'cd'.repeat(32)}`,
  transactionHash: `0x${'ef'.repeat(32)}`,
  transactionIndex: 0,
  logIndex,
})

describe('SubscriberGroups', () => {
  it('attaches one listener for the first subscriber and detaches after the last', () => {
    let attached = 0
    let detached = 0
    const groups = new SubscriberGroups<string>(() => {
      attached++
      return () => detached++
    })
    const got: unknown[] = []
    const stops = [
      groups.add('x', 'x', (r) => got.push(['1', r])),
      groups.add('x', 'x', (r) => got.push(['2', r])),
      groups.add('y', 'y', () => {}),
    ]
    expect([attached, groups.size]).toEqual([1, 2])
    for (const g of groups.list()) if (g.key === 'x') deliver(g, 'r', () => {})
    expect(got).toEqual([
      ['1', 'r'],
      ['2', 'r'],
    ])
    stops[0]()
    stops[0]()
    stops[1]()
    expect([groups.size, detached]).toEqual([1, 0])
    stops[2]()
    expect([groups.size, detached]).toEqual([0, 1])
    groups.add('z', 'z', () => {})
    expect(attached).toBe(2)
  })

  it('one failing subscriber does not keep the others from their notification', () => {
    const groups = new SubscriberGroups<null>(() => () => {})
    const got: unknown[] = []
    const errors: unknown[] = []
    groups.add('k', null, () => {
      throw new Error('gone')
    })
    groups.add('k', null, (r) => got.push(r))
    deliver(groups.list()[0], 1, (e) => errors.push(e))
    expect([got, errors.length]).toEqual([[1], 1])
  })
})

describe('logs subscriptions share their matching', () => {
  it('one chain listener, and one formatted log handed to every subscriber of the same criteria', async () => {
    const { ctx, listeners, block } = fakeContext()
    const got: { sub: number; log: unknown }[] = []
    const stops = []
    // The same criteria written three ways, 1,000 times; and other criteria once.
    for (let i = 0; i < 1000; i++) {
      const filter = [
        { address: [A, B], topics: [[T]] },
        { address: [B, A, A], topics: [T, null] },
        { address: [B, A], topics: [[T, T]] },
      ][i % 3]
      stops.push(await ethSubscriptions.logs([filter], ctx, (l) => got.push({ sub: i, log: l })))
    }
    stops.push(await ethSubscriptions.logs([{ address: B }], ctx, (l) => got.push({ sub: -1, log: l })))
    expect(listeners.block.size).toBe(1)
    block(5n, [log(A, 0), log(`0x${'cc'.repeat(20)}` as Hex, 1)])
    const shared = got.filter((g) => g.sub >= 0)
    expect(shared).toHaveLength(1000)
    // The very same object: formatted once for the group (and serialized once by the server).
    expect(new Set(shared.map((g) => g.log)).size).toBe(1)
    expect(shared[0].log).toMatchObject({ address: A, logIndex: '0x0' })
    expect(got.filter((g) => g.sub === -1)).toHaveLength(0)
    for (const stop of stops) stop()
    expect(listeners.block.size).toBe(0)
  })

  it('newHeads: one header object for every subscriber', async () => {
    const { ctx, listeners } = fakeContext()
    const got: unknown[] = []
    for (let i = 0; i < 50; i++) await ethSubscriptions.newHeads([], ctx, (h) => got.push(h))
    expect(listeners.block.size).toBe(1)
    const block = createBlock({ header: { number: 1n, gasLimit: 30_000_000n, baseFeePerGas: 7n } }, { common })
    for (const fn of listeners.block) fn(block, [])
    expect(got).toHaveLength(50)
    expect(new Set(got).size).toBe(1)
    expect(got[0]).toMatchObject({ number: '0x1' })
  })
})
