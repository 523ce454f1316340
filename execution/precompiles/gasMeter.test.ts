import type { StateManagerInterface } from '@ethereumjs/common'
import { createAddressFromString } from '@ethereumjs/util'
import { describe, expect, it } from 'vitest'
import { ContractStorage, GAS_READ, GAS_WARM_READ, GAS_WRITE, GAS_WRITE_NEW } from '../../state/contractStorage.ts'
import { GasMeter, OutOfGasError } from './gasMeter.ts'

/** Storage in a map: all ContractStorage needs of a state manager. */
function memoryState(): StateManagerInterface {
  const slots = new Map<string, Uint8Array>()
  const key = (a: unknown, k: Uint8Array) => `${String(a)}:${Buffer.from(k).toString('hex')}`
  return {
    getStorage: async (a: unknown, k: Uint8Array) => slots.get(key(a, k)) ?? new Uint8Array(),
    putStorage: async (a: unknown, k: Uint8Array, v: Uint8Array) => void slots.set(key(a, k), v),
  } as unknown as StateManagerInterface
}

const address = createAddressFromString('0x0000000000000000000000000000000000000a00')

describe('GasMeter', () => {
  it('counts every storage access cold by default (the schedule of single calls)', async () => {
    const gas = new GasMeter(10n ** 9n)
    const store = new ContractStorage(memoryState(), address, gas)
    await store.word(1n)
    await store.word(1n)
    await store.setWord(1n, 5n)
    await store.setWord(1n, 6n)
    expect(gas.used).toBe(2n * GAS_READ + GAS_WRITE_NEW + GAS_WRITE)
  })

  it('after chargeWarmAccesses, a slot accessed in the call costs a warm access (EIP-2929)', async () => {
    const gas = new GasMeter(10n ** 9n)
    gas.chargeWarmAccesses()
    const store = new ContractStorage(memoryState(), address, gas)
    await store.word(1n) // cold
    await store.word(1n) // warm
    await store.setWord(1n, 5n) // fresh slot, warm
    await store.setWord(2n, 5n) // fresh slot, cold
    await store.setWord(2n, 6n) // used slot, warm
    expect(gas.used).toBe(GAS_READ + GAS_WARM_READ + (GAS_WRITE_NEW - GAS_READ) + GAS_WRITE_NEW + (GAS_WRITE - GAS_READ))
  })

  it('throws OutOfGasError past its limit', () => {
    const gas = new GasMeter(100n)
    gas.charge(100n)
    expect(() => gas.charge(1n)).toThrow(OutOfGasError)
  })
})
