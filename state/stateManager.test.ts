import { Common, Mainnet } from '@ethereumjs/common'
import { Account, createAddressFromString, MapDB, setLengthLeft } from '@ethereumjs/util'
import fc from 'fast-check'
import { describe, expect, it, vi } from 'vitest'
import { openStateManager } from './stateManager.ts'

const common = new Common({ chain: Mainnet })
const addresses = ['0x0000000000000000000000000000000000000a00', '0x00000000000000000000000000000000000000aa'].map(createAddressFromString)
const slot = (n: number) => setLengthLeft(Uint8Array.of(n), 32)

type Op =
  | { kind: 'put'; a: number; slot: number; value: number }
  | { kind: 'credit'; a: number; amount: number }
  | { kind: 'checkpoint' }
  | { kind: 'commit' }
  | { kind: 'revert' }

const op: fc.Arbitrary<Op> = fc.oneof(
  {
    weight: 6,
    arbitrary: fc.record({
      kind: fc.constant('put' as const),
      a: fc.integer({ min: 0, max: 1 }),
      slot: fc.integer({ min: 0, max: 5 }),
      value: fc.integer({ min: 0, max: 3 }),
    }),
  },
  {
    weight: 3,
    arbitrary: fc.record({
      kind: fc.constant('credit' as const),
      a: fc.integer({ min: 0, max: 1 }),
      amount: fc.integer({ min: 0, max: 1000 }),
    }),
  },
  { weight: 1, arbitrary: fc.constant({ kind: 'checkpoint' as const }) },
  { weight: 1, arbitrary: fc.constant({ kind: 'commit' as const }) },
  { weight: 1, arbitrary: fc.constant({ kind: 'revert' as const }) },
)

async function run(caches: boolean, ops: Op[]): Promise<string> {
  const state = await openStateManager(new MapDB(), { common, caches })
  for (const a of addresses) await state.putAccount(a, new Account(1n, 0n))
  await state.checkpoint()
  let depth = 1
  for (const o of ops) {
    if (o.kind === 'put') await state.putStorage(addresses[o.a], slot(o.slot), o.value === 0 ? new Uint8Array() : Uint8Array.of(o.value))
    else if (o.kind === 'credit') {
      // As runTx does: read, change the object, put it back.
      const account = (await state.getAccount(addresses[o.a]))!
      account.balance += BigInt(o.amount) * 10n ** 18n
      account.nonce += 1n
      await state.putAccount(addresses[o.a], account)
    } else if (o.kind === 'checkpoint') {
      await state.checkpoint()
      depth++
    } else if (depth > 1) {
      if (o.kind === 'commit') await state.commit()
      else await state.revert()
      depth--
    }
  }
  while (depth-- > 0) await state.commit()
  return Buffer.from(await state.getStateRoot()).toString('hex')
}

describe('openStateManager', () => {
  it('with caches (account objects, storage writes held until the flush), the root is the uncached one', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(op, { maxLength: 40 }), async (ops) => {
        expect(await run(true, ops)).toBe(await run(false, ops))
      }),
      { numRuns: 100, seed: 11 },
    )
  })

  it('a cached write leaves the storage trie alone until the block commits', async () => {
    const state = await openStateManager(new MapDB(), { common, caches: true })
    await state.putAccount(addresses[0], new Account(1n, 0n))
    const before = await state.getStateRoot()
    await state.checkpoint()
    const trieWrites = vi.spyOn(state as unknown as { _writeContractStorage: () => Promise<void> }, '_writeContractStorage')
    await state.putStorage(addresses[0], slot(1), Uint8Array.of(7))
    await state.putStorage(addresses[0], slot(1), Uint8Array.of(8))
    expect(trieWrites).not.toHaveBeenCalled()
    expect(await state.getStorage(addresses[0], slot(1))).toEqual(Uint8Array.of(8))
    await state.commit()
    // One trie write for the slot, at the flush.
    expect(trieWrites).toHaveBeenCalledTimes(1)
    expect(await state.getStateRoot()).not.toEqual(before)
  })
})
