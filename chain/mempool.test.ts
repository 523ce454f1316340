import type { TypedTransaction } from '@ethereumjs/tx'
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import type { Hex } from '../state/types.ts'
import {
  AccountLimitExceededError,
  AlreadyKnownError,
  InsufficientFundsError,
  NonceTooLowError,
  ReplacementUnderpricedError,
  TxPoolFullError,
  TxUnderpricedError,
} from './errors.ts'
import { Mempool, type MempoolLimits, type PoolTx } from './mempool.ts'
import { comparePrice } from './txPrice.ts'

const RICH = 10n ** 30n
const addr = (i: number) => `0x${i.toString(16).padStart(40, '0')}` as Hex
const [A, B, C, D] = [addr(0xa), addr(0xb), addr(0xc), addr(0xd)]
let serial = 0

/** A pooled transaction without a real transaction behind it (the pool reads only these fields). */
function ptx(sender: Hex, nonce: number, o: { fee?: bigint; tip?: bigint; cost?: bigint; priority?: boolean } = {}): PoolTx {
  const fee = o.fee ?? 10n
  return {
    tx: {} as TypedTransaction,
    hash: `0x${(++serial).toString(16).padStart(64, '0')}` as Hex,
    sender,
    nonce: BigInt(nonce),
    maxFee: fee,
    maxTip: o.tip ?? fee,
    cost: o.cost ?? 1n,
    priority: o.priority ?? false,
  }
}

const rich = (nonce = 0n) => ({ nonce, balance: RICH })
const nonces = (txs: PoolTx[] | undefined) => (txs ?? []).map((p) => Number(p.nonce))

function fill(pool: Mempool, sender: Hex, from: number, to: number, o: Parameters<typeof ptx>[2] = {}, stateNonce = 0n) {
  for (let n = from; n < to; n++) pool.add(ptx(sender, n, o), rich(stateNonce))
}

describe('Mempool: pending and queued', () => {
  it('splits each sender into its executable run and what waits behind a gap', () => {
    const pool = new Mempool()
    fill(pool, A, 0, 3)
    fill(pool, A, 5, 7)
    fill(pool, B, 2, 4, {}, 2n)
    expect(pool.stats()).toEqual({ pending: 5, queued: 2 })
    const { pending, queued } = pool.content()
    expect([...pending.keys()]).toEqual([A, B])
    expect(nonces(pending.get(A))).toEqual([0, 1, 2])
    expect(nonces(queued.get(A))).toEqual([5, 6])
    expect(pool.nextNonce(A, 0n)).toBe(3n)
    // Filling the gap makes the queued ones executable.
    fill(pool, A, 3, 5)
    expect(pool.stats()).toEqual({ pending: 9, queued: 0 })
    expect(pool.nextNonce(A, 0n)).toBe(7n)
  })

  it('refuses what it knows, nonces below the state and replacements that pay less than 10% more', () => {
    const pool = new Mempool()
    const first = ptx(A, 1, { fee: 100n, tip: 10n })
    pool.add(first, rich())
    expect(() => pool.add(first, rich())).toThrow(AlreadyKnownError)
    expect(() => pool.add(ptx(A, 0), rich(1n))).toThrow(NonceTooLowError)
    expect(() => pool.add(ptx(A, 1, { fee: 109n, tip: 11n }), rich())).toThrow(ReplacementUnderpricedError)
    expect(() => pool.add(ptx(A, 1, { fee: 110n, tip: 10n }), rich())).toThrow(ReplacementUnderpricedError)
    const bumped = ptx(A, 1, { fee: 110n, tip: 11n })
    expect(pool.add(bumped, rich()).replaced).toBe(first)
    expect(pool.get(first.hash)).toBeUndefined()
    expect(pool.get(bumped.hash)).toBe(bumped)
    expect(pool.size).toBe(1)
  })

  it('checks the balance against the transaction and the sender’s pooled ones with lower nonces', () => {
    const pool = new Mempool()
    pool.add(ptx(A, 0, { cost: 40n }), { nonce: 0n, balance: 100n })
    pool.add(ptx(A, 1, { cost: 40n }), { nonce: 0n, balance: 100n })
    const e = (() => {
      try {
        pool.add(ptx(A, 2, { cost: 40n }), { nonce: 0n, balance: 100n })
      } catch (err) {
        return err as InsufficientFundsError
      }
    })()
    expect(e).toBeInstanceOf(InsufficientFundsError)
    expect(e?.shortMessage).toMatch(/^insufficient funds for gas \* price \+ value: address 0x0+a have 100 want 120$/)
    // A replacement counts the lower nonces and itself, not the one it replaces.
    expect(pool.add(ptx(A, 1, { fee: 20n, cost: 60n }), { nonce: 0n, balance: 100n }).replaced).toBeDefined()
    // Once nonce 0 is mined (and paid for) the balance the chain reports covers what is left.
    pool.reconcile(A, 1n)
    pool.add(ptx(A, 2, { cost: 30n }), { nonce: 1n, balance: 90n })
    expect(pool.size).toBe(2)
  })

  it('caps one sender’s queue with a clear error naming the nonce to send', () => {
    const pool = new Mempool({ accountQueue: 4 })
    fill(pool, A, 0, 2)
    fill(pool, A, 10, 14)
    const err = (() => {
      try {
        pool.add(ptx(A, 20), rich())
      } catch (e) {
        return e as AccountLimitExceededError
      }
    })()
    expect(err).toBeInstanceOf(AccountLimitExceededError)
    expect(err?.shortMessage).toBe(
      `account limit exceeded: address ${A} already has 4 transactions queued behind a nonce gap; send nonce 2 first`,
    )
    // Executable ones and replacements still go in.
    fill(pool, A, 2, 5)
    pool.add(ptx(A, 12, { fee: 20n }), rich())
    expect(pool.stats()).toEqual({ pending: 5, queued: 4 })
  })

  it('takes geth’s defaults for the bounds it is not given', () => {
    expect(new Mempool({ totalSlots: undefined, accountQueue: 8 }).limits).toEqual({
      totalSlots: 5120,
      totalQueue: 1024,
      accountSlots: 16,
      accountQueue: 8,
      lifetimeMs: 3 * 3600 * 1000,
      priceBumpPercent: 10n,
    })
  })

  it('lets one busy sender hold far more than its guaranteed slots while there is room', () => {
    const pool = new Mempool()
    fill(pool, A, 0, 4000)
    expect(pool.stats()).toEqual({ pending: 4000, queued: 0 })
  })
})

describe('Mempool: a full pool', () => {
  const small: Partial<MempoolLimits> = { totalSlots: 6, totalQueue: 3, accountSlots: 2, accountQueue: 3 }

  it('bounds the queue in all: a gapped transaction must outbid the cheapest queued one', () => {
    const pool = new Mempool(small)
    pool.add(ptx(A, 1, { fee: 5n }), rich())
    pool.add(ptx(B, 1, { fee: 7n }), rich())
    pool.add(ptx(C, 1, { fee: 9n }), rich())
    expect(() => pool.add(ptx(D, 1, { fee: 5n }), rich())).toThrow(TxUnderpricedError)
    const { evicted } = pool.add(ptx(D, 1, { fee: 6n }), rich())
    expect(evicted.map((e) => e.sender)).toEqual([A])
    expect(pool.stats()).toEqual({ pending: 0, queued: 3 })
  })

  it('never lets a gapped transaction push out an executable one', () => {
    const pool = new Mempool(small)
    fill(pool, A, 0, 3, { fee: 1n })
    fill(pool, B, 0, 3, { fee: 1n })
    expect(() => pool.add(ptx(C, 5, { fee: 100n }), rich())).toThrow(TxPoolFullError)
  })

  it('admits a transaction that outbids the cheapest, evicting queued ones first', () => {
    const pool = new Mempool(small)
    fill(pool, A, 0, 3, { fee: 5n })
    pool.add(ptx(B, 0, { fee: 4n }), rich())
    pool.add(ptx(C, 1, { fee: 8n }), rich())
    pool.add(ptx(C, 2, { fee: 8n }), rich())
    expect(pool.size).toBe(6)
    // Paying no more than the cheapest (B's 4), from a sender already at its guaranteed slots: refused.
    pool.add(ptx(D, 0, { fee: 4n }), rich())
    // D is below accountSlots, so it took the room of a queued one (C's last) whatever its price.
    expect(nonces(pool.content().queued.get(C))).toEqual([1])
    pool.add(ptx(D, 1, { fee: 4n }), rich())
    expect(pool.content().queued.get(C)).toBeUndefined()
    expect(() => pool.add(ptx(D, 2, { fee: 4n }), rich())).toThrow(TxUnderpricedError)
    // Outbidding the cheapest (B at 4) and A (5): A, above its guaranteed slots, goes before B.
    const { evicted } = pool.add(ptx(D, 2, { fee: 6n }), rich())
    expect(evicted.map((e) => [e.sender, Number(e.nonce)])).toEqual([[A, 2]])
    // When only B is outbid, B goes.
    pool.add(ptx(D, 3, { fee: 5n }), rich())
    expect(pool.content().pending.get(B)).toBeUndefined()
    expect(pool.size).toBe(6)
  })

  it('evicts from the end of the cheapest sender’s run, so no gap is left in a run that stays', () => {
    const pool = new Mempool({ ...small, totalQueue: 0, accountSlots: 1 })
    // A's cheapest is its nonce 0 (2): its last transaction is the one to go, though it pays 9.
    pool.add(ptx(A, 0, { fee: 2n }), rich())
    fill(pool, A, 1, 3, { fee: 9n })
    fill(pool, B, 0, 3, { fee: 5n })
    const first = pool.add(ptx(C, 0, { fee: 6n }), rich())
    expect(first.evicted.map((e) => [e.sender, Number(e.nonce)])).toEqual([[A, 2]])
    const second = pool.add(ptx(C, 1, { fee: 6n }), rich())
    expect(second.evicted.map((e) => [e.sender, Number(e.nonce)])).toEqual([[A, 1]])
    expect(nonces(pool.content().pending.get(A))).toEqual([0])
    expect(nonces(pool.content().pending.get(B))).toEqual([0, 1, 2])
  })

  it('gives a sender below its guaranteed slots room at the same price, from the biggest sender', () => {
    const pool = new Mempool({ ...small, totalQueue: 0 })
    fill(pool, A, 0, 5)
    pool.add(ptx(B, 0), rich())
    const { evicted } = pool.add(ptx(C, 0), rich())
    expect(evicted.map((e) => [e.sender, Number(e.nonce)])).toEqual([[A, 4]])
    pool.add(ptx(C, 1), rich())
    // C has its 2 slots now and pays the same as everyone: refused.
    expect(() => pool.add(ptx(C, 2), rich())).toThrow(TxUnderpricedError)
    // D, new, still gets its share from A, the one sender above 2.
    pool.add(ptx(D, 0), rich())
    expect(pool.stats()).toEqual({ pending: 6, queued: 0 })
    expect(nonces(pool.content().pending.get(A))).toEqual([0, 1])
    expect(() => pool.add(ptx(addr(0xe), 0), rich())).toThrow(TxUnderpricedError)
  })

  it('lets a big sender’s flood make way before a small sender’s transaction, for a price update too', () => {
    const pool = new Mempool({ totalSlots: 5, totalQueue: 1, accountSlots: 2 })
    fill(pool, A, 0, 4, { fee: 5n })
    pool.add(ptx(B, 0, { fee: 1n }), rich())
    // C outbids A's 5: A's last goes, not B's only one.
    expect(pool.add(ptx(C, 0, { fee: 6n }), rich()).evicted.map((e) => [e.sender, Number(e.nonce)])).toEqual([[A, 3]])
    // A price update that outbids nobody takes A's room too (A still has 3 > 2).
    const update = ptx(D, 0, { fee: 1n, priority: true })
    expect(pool.add(update, rich()).evicted.map((e) => [e.sender, Number(e.nonce)])).toEqual([[A, 2]])
    expect(nonces(pool.content().pending.get(B))).toEqual([0])
  })

  it('compares what transactions pay at the next base fee', () => {
    const pool = new Mempool({ ...small, totalSlots: 1 })
    pool.setBaseFee(100n)
    // A: fee cap 101 with a tip of 50 pays 1 above the base fee; B's 3 over a cap of 110 beats it.
    pool.add(ptx(A, 0, { fee: 101n, tip: 50n }), rich())
    expect(pool.add(ptx(B, 0, { fee: 110n, tip: 3n }), rich()).evicted.map((e) => e.sender)).toEqual([A])
  })
})

describe('Mempool: feeders’ price updates', () => {
  it('are never refused for a full pool nor evicted, and go first in a block in their sender’s nonce order', () => {
    const pool = new Mempool({ totalSlots: 3, totalQueue: 1, accountSlots: 1 })
    fill(pool, A, 0, 2, { fee: 50n })
    pool.add(ptx(B, 0, { fee: 40n }), rich())
    const transfer = ptx(D, 0, { fee: 1n })
    // D pays the least of all, but its price update behind it needs the transfer to stay.
    pool.add(transfer, rich())
    expect(pool.get(transfer.hash)).toBeDefined()
    const update = ptx(D, 1, { fee: 1n, priority: true })
    pool.add(update, rich())
    expect(pool.size).toBe(3)
    // Outbid by everything, it stays: a sender whose last transaction is a price update is not a candidate.
    expect(() => pool.add(ptx(C, 0, { fee: 1000n }), rich())).not.toThrow()
    expect(pool.get(update.hash)).toBeDefined()
    const order = [...pool.executable(0n, { isPriority: (p) => p.priority })].map((p) => [p.sender, Number(p.nonce)])
    expect(order.slice(0, 2)).toEqual([
      [D, 0],
      [D, 1],
    ])
  })
})

describe('Mempool: blocks and time', () => {
  it('selects best tip first, each sender in nonce order, ties to the lower address, below the base fee never', () => {
    const pool = new Mempool()
    pool.add(ptx(A, 0, { fee: 100n, tip: 1n }), rich())
    pool.add(ptx(A, 1, { fee: 100n, tip: 9n }), rich())
    pool.add(ptx(B, 0, { fee: 100n, tip: 5n }), rich())
    pool.add(ptx(C, 0, { fee: 100n, tip: 5n }), rich())
    pool.add(ptx(D, 0, { fee: 10n, tip: 10n }), rich())
    pool.add(ptx(D, 3, { fee: 100n, tip: 100n }), rich())
    const order = [...pool.executable(20n)].map((p) => [p.sender, Number(p.nonce)])
    expect(order).toEqual([
      [B, 0],
      [C, 0],
      [A, 0],
      [A, 1],
    ])
    const blocked = new Set<Hex>()
    const taken: PoolTx[] = []
    for (const p of pool.executable(0n, { blocked })) {
      taken.push(p)
      blocked.add(p.sender)
    }
    expect(taken.map((p) => p.sender)).toEqual([D, B, C, A])
  })

  it('drops what a block mined and what an execution error leaves unreachable', () => {
    const pool = new Mempool()
    fill(pool, A, 0, 5)
    const txs = pool.content().pending.get(A)!
    pool.removeMined([txs[0].hash, txs[1].hash])
    expect(nonces(pool.content().pending.get(A))).toEqual([2, 3, 4])
    expect(pool.nextNonce(A, 2n)).toBe(5n)
    pool.dropFrom(txs[3])
    expect(nonces(pool.content().pending.get(A))).toEqual([2])
    expect(pool.stats()).toEqual({ pending: 1, queued: 0 })
    pool.reconcile(A, 3n)
    expect(pool.size).toBe(0)
    expect(pool.senders()).toEqual([])
  })

  it('expires queued transactions after the lifetime without progress, never executable ones', () => {
    let now = 0
    const pool = new Mempool({ lifetimeMs: 1000 }, { now: () => now })
    fill(pool, A, 0, 2)
    fill(pool, A, 5, 7)
    fill(pool, B, 3, 4)
    now = 900
    // More queued transactions are no progress; B's nonce moving on is.
    pool.add(ptx(A, 8), rich())
    pool.reconcile(B, 1n)
    now = 1500
    expect(pool.expire().map((p) => [p.sender, Number(p.nonce)])).toEqual([
      [A, 5],
      [A, 6],
      [A, 8],
    ])
    expect(pool.stats()).toEqual({ pending: 2, queued: 1 })
    now = 2000
    expect(pool.expire().map((p) => p.sender)).toEqual([B])
    expect(pool.stats()).toEqual({ pending: 2, queued: 0 })
  })
})

// ---------------------------------------------------------------- properties

const LIMITS: MempoolLimits = {
  totalSlots: 10,
  totalQueue: 4,
  accountSlots: 2,
  accountQueue: 3,
  lifetimeMs: 50,
  priceBumpPercent: 10n,
}
const SENDERS = [A, B, C, D, addr(0xe)]

type Op =
  | { kind: 'add'; s: number; at: number; fee: number; tip: number; priority: boolean }
  | { kind: 'mine'; s: number; count: number }
  | { kind: 'drop'; s: number }
  | { kind: 'tick'; ms: number }
  | { kind: 'baseFee'; fee: number }

const opArb: fc.Arbitrary<Op> = fc.oneof(
  {
    weight: 8,
    arbitrary: fc.record({
      kind: fc.constant('add' as const),
      s: fc.nat(SENDERS.length - 1),
      // 0: the sender's next nonce (executable); > 0: that far past it (queued); < 0: a replacement.
      at: fc.oneof({ weight: 3, arbitrary: fc.constant(0) }, { weight: 2, arbitrary: fc.integer({ min: -3, max: 5 }) }),
      fee: fc.integer({ min: 1, max: 8 }),
      tip: fc.integer({ min: 0, max: 8 }),
      priority: fc.integer({ min: 0, max: 9 }).map((x) => x === 0),
    }),
  },
  {
    weight: 1,
    arbitrary: fc.record({ kind: fc.constant('mine' as const), s: fc.nat(SENDERS.length - 1), count: fc.integer({ min: 1, max: 3 }) }),
  },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('drop' as const), s: fc.nat(SENDERS.length - 1) }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('tick' as const), ms: fc.integer({ min: 1, max: 40 }) }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('baseFee' as const), fee: fc.nat(6) }) },
)

/** Every pooled transaction by sender, nonce order (pending, then queued). */
function bySender(pool: Mempool): Map<Hex, PoolTx[]> {
  const { pending, queued } = pool.content()
  const out = new Map<Hex, PoolTx[]>()
  for (const s of pool.senders()) out.set(s, [...(pending.get(s) ?? []), ...(queued.get(s) ?? [])])
  return out
}

describe('Mempool properties', () => {
  it('stays within its bounds, never leaves a sender a new gap, and admits whoever outbids the cheapest', () => {
    fc.assert(
      fc.property(fc.array(opArb, { minLength: 10, maxLength: 150 }), (ops) => {
        let now = 0
        let baseFee = 0n
        const pool = new Mempool(LIMITS, { now: () => now })
        const stateNonce = new Map<Hex, bigint>(SENDERS.map((s) => [s, 0n]))
        let priorityOver = 0
        for (const op of ops) {
          if (op.kind === 'tick') {
            now += op.ms
            pool.expire()
          } else if (op.kind === 'baseFee') {
            baseFee = BigInt(op.fee)
            pool.setBaseFee(baseFee)
          } else if (op.kind === 'mine') {
            const s = SENDERS[op.s]
            const next = stateNonce.get(s)! + BigInt(op.count)
            stateNonce.set(s, next)
            pool.reconcile(s, next)
          } else if (op.kind === 'drop') {
            const txs = bySender(pool).get(SENDERS[op.s])
            if (txs) pool.dropFrom(txs[Math.floor(txs.length / 2)])
          } else {
            const s = SENDERS[op.s]
            const sn = stateNonce.get(s)!
            const at = pool.nextNonce(s, sn) + BigInt(op.at)
            const nonce = at < sn ? sn : at
            const t = ptx(s, Number(nonce), { fee: BigInt(op.fee), tip: BigInt(Math.min(op.tip, op.fee)), priority: op.priority })
            const before = bySender(pool)
            const mine = before.get(s) ?? []
            const replacing = mine.some((p) => p.nonce === nonce)
            const executable = nonce === pool.nextNonce(s, sn)
            const sizeBefore = pool.size
            try {
              const { evicted } = pool.add(t, rich(sn))
              // A price update is never refused: it overruns the slots, or the queue, when only
              // other price updates could have made way (the counterexample: a pool of them alone).
              if (t.priority && (pool.size > LIMITS.totalSlots || pool.stats().queued > LIMITS.totalQueue)) priorityOver++
              const after = bySender(pool)
              for (const e of evicted) {
                // Only a sender's last transaction goes: none of its later nonces stays.
                expect(before.get(e.sender)!.at(-1)).toBe(e)
                expect((after.get(e.sender) ?? []).every((p) => p.nonce < e.nonce || (e.sender === s && p === t))).toBe(true)
                // Never the adder's own transaction before the one it adds, never a price update.
                expect(e.sender === s && e.nonce < nonce).toBe(false)
                expect(e.priority).toBe(false)
              }
              if (!replacing && !t.priority) expect(evicted.length).toBe(sizeBefore + 1 - pool.size)
            } catch (err) {
              expect(t.priority && !(err instanceof ReplacementUnderpricedError || err instanceof AccountLimitExceededError)).toBe(false)
              if (executable && !replacing && (err instanceof TxUnderpricedError || err instanceof TxPoolFullError)) {
                // Refused when full: nothing it could have pushed out pays less than it does.
                expect(pool.size).toBeGreaterThanOrEqual(LIMITS.totalSlots)
                for (const [sender, txs] of before) {
                  if (txs.at(-1)!.priority || (sender === s && txs.at(-1)!.nonce < nonce)) continue
                  for (const p of txs) expect(comparePrice(p, t, baseFee)).toBeGreaterThanOrEqual(0)
                }
              }
            }
          }
          // Bounds (a price update may overrun them only when nothing else could make way).
          const { pending, queued } = pool.content()
          const counted = [...pending.values(), ...queued.values()].reduce((n, txs) => n + txs.length, 0)
          expect(counted).toBe(pool.size)
          expect(pool.size).toBeLessThanOrEqual(LIMITS.totalSlots + priorityOver)
          expect(pool.stats().queued).toBeLessThanOrEqual(LIMITS.totalQueue + priorityOver)
          for (const txs of queued.values()) expect(txs.length).toBeLessThanOrEqual(LIMITS.accountQueue)
          // The split agrees with the chain's nonces: pending = the run from the state nonce.
          for (const [sender, txs] of pending) {
            txs.forEach((p, i) => expect(p.nonce).toBe(stateNonce.get(sender)! + BigInt(i)))
            const q = queued.get(sender)?.[0]
            if (q) expect(q.nonce).toBeGreaterThan(txs.at(-1)!.nonce + 1n)
          }
        }
      }),
      { numRuns: 300 },
    )
  })

  it('hands a block every sender’s run in nonce order, price updates and what precedes them first', () => {
    fc.assert(
      fc.property(
        fc.array(fc.tuple(fc.nat(SENDERS.length - 1), fc.integer({ min: 1, max: 9 }), fc.boolean()), { maxLength: 40 }),
        fc.nat(5),
        (adds, base) => {
          const pool = new Mempool()
          const next = new Map<Hex, number>()
          for (const [s, fee, priority] of adds) {
            const sender = SENDERS[s]
            const n = next.get(sender) ?? 0
            next.set(sender, n + 1)
            pool.add(ptx(sender, n, { fee: BigInt(fee), tip: BigInt(fee), priority: priority && fee % 3 === 0 }), rich())
          }
          const baseFee = BigInt(base)
          const order = [...pool.executable(baseFee, { isPriority: (p) => p.priority })]
          const runs = pool.content().pending
          // Per sender: a prefix of its run, in nonce order, stopping at the first it cannot pay.
          for (const [sender, run] of runs) {
            const got = order.filter((p) => p.sender === sender)
            const payable = run.findIndex((p) => p.maxFee < baseFee)
            expect(got).toEqual(run.slice(0, payable < 0 ? run.length : payable))
          }
          // Against a plain reference: first each sender's run up to its last payable price
          // update (address order), then repeatedly the open head with the best tip, ties to
          // the lower address.
          const tip = (p: PoolTx) => (p.maxTip < p.maxFee - baseFee ? p.maxTip : p.maxFee - baseFee)
          const heads = [...runs].map(([, run]) => {
            const payable = run.findIndex((p) => p.maxFee < baseFee)
            return payable < 0 ? run : run.slice(0, payable)
          })
          const expected: PoolTx[] = []
          for (const run of heads) {
            let last = -1
            run.forEach((p, i) => {
              if (p.priority) last = i
            })
            expected.push(...run.splice(0, last + 1))
          }
          for (;;) {
            let best = -1
            for (let i = 0; i < heads.length; i++) {
              if (heads[i].length > 0 && (best < 0 || tip(heads[i][0]) > tip(heads[best][0]))) best = i
            }
            if (best < 0) break
            expected.push(heads[best].shift()!)
          }
          expect(order).toEqual(expected)
        },
      ),
      { numRuns: 300 },
    )
  })
})
