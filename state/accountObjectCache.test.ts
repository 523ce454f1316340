import { AccountCache, CacheType } from '@ethereumjs/statemanager'
import { Account, bytesToHex, createAddressFromString } from '@ethereumjs/util'
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { AccountObjectCache } from './accountObjectCache.ts'

const addresses = [
  '0x00000000000000000000000000000000000000a1',
  '0x00000000000000000000000000000000000000a2',
  '0x00000000000000000000000000000000000000a3',
].map(createAddressFromString)

type Op =
  | { kind: 'put'; a: number; nonce: number; balance: bigint }
  | { kind: 'putMissing' | 'del'; a: number }
  | { kind: 'checkpoint' | 'commit' | 'revert' | 'flush' }

const op: fc.Arbitrary<Op> = fc.oneof(
  {
    weight: 6,
    arbitrary: fc.record({
      kind: fc.constant('put' as const),
      a: fc.nat(2),
      nonce: fc.nat(3),
      balance: fc.bigInt({ min: 0n, max: 10n ** 24n }),
    }),
  },
  { weight: 1, arbitrary: fc.record({ kind: fc.constantFrom('putMissing' as const, 'del' as const), a: fc.nat(2) }) },
  {
    weight: 2,
    arbitrary: fc.record({ kind: fc.constantFrom('checkpoint' as const, 'commit' as const, 'revert' as const, 'flush' as const) }),
  },
)

/** Everything observable after each operation: every address's element and each flush. */
function trace(cache: AccountCache, ops: Op[]): string[] {
  const out: string[] = []
  let depth = 0
  const show = (e: { accountRLP?: Uint8Array } | undefined) =>
    e === undefined ? 'none' : e.accountRLP === undefined ? 'deleted' : bytesToHex(e.accountRLP)
  for (const o of ops) {
    if (o.kind === 'put') cache.put(addresses[o.a], new Account(BigInt(o.nonce), o.balance))
    else if (o.kind === 'putMissing') cache.put(addresses[o.a], undefined)
    else if (o.kind === 'del') cache.del(addresses[o.a])
    else if (o.kind === 'checkpoint') {
      cache.checkpoint()
      depth++
    } else if (o.kind === 'flush')
      out.push(
        `flush ${cache
          .flush()
          .map(([k, e]) => `${k}=${show(e)}`)
          .sort()
          .join(',')}`,
      )
    else if (depth > 0) {
      if (o.kind === 'commit') cache.commit()
      else cache.revert()
      depth--
    }
    out.push(addresses.map((a) => show(cache.get(a))).join(' '), `size ${cache.size()}`)
  }
  return out
}

describe('AccountObjectCache', () => {
  it('behaves as @ethereumjs AccountCache under any sequence of puts, deletes, checkpoints and flushes', () => {
    fc.assert(
      fc.property(fc.array(op, { maxLength: 60 }), (ops) => {
        expect(trace(new AccountObjectCache(), ops)).toEqual(trace(new AccountCache({ size: 100_000, type: CacheType.ORDERED_MAP }), ops))
      }),
      { numRuns: 300, seed: 7 },
    )
  })

  it('keeps its own copies: changing an account put or read does not change the cache', () => {
    const cache = new AccountObjectCache()
    const account = new Account(1n, 100n)
    cache.put(addresses[0], account)
    account.balance = 5n
    const read = cache.get(addresses[0])!.read()!
    expect(read.balance).toBe(100n)
    read.nonce = 9n
    expect(cache.get(addresses[0])!.read()!.nonce).toBe(1n)
    expect(cache.get(addresses[0])!.accountRLP).toEqual(new Account(1n, 100n).serialize())
  })

  it('refuses partial accounts, which only the stateless and RPC state managers write', () => {
    expect(() => new AccountObjectCache().put(addresses[0], new Account(), true)).toThrow(/full accounts/)
  })
})
