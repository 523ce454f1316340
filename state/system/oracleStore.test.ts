import { MerkleStateManager } from '@ethereumjs/statemanager'
import { Account, bigIntToBytes, createAddressFromString, setLengthLeft } from '@ethereumjs/util'
import { concat, hexToBigInt, keccak256, toHex } from 'viem'
import { describe, expect, it } from 'vitest'
import { WAD } from '../../lib/fixed.ts'
import { devMarket } from '../../risk/index.ts'
import { GasTally } from '../contractStorage.ts'
import { ORACLE_ADDRESS } from './addresses.ts'
import { feedSlot, readPrice, readPrices, readPriceTimestamp, writeGenesisPrices, writePrice } from './oracleStore.ts'

const ORACLE = createAddressFromString(ORACLE_ADDRESS)

async function freshState() {
  const state = new MerkleStateManager()
  await state.putAccount(ORACLE, new Account(1n, 0n))
  return state
}

describe('oracleStore', () => {
  it('lays feeds out as Solidity lays out mapping(uint32 => Feed) at slot 0', () => {
    const solidity = hexToBigInt(keccak256(concat([toHex(7n, { size: 32 }), toHex(0n, { size: 32 })])))
    expect(feedSlot(7)).toBe(solidity)
  })

  it('writes price, vol and timestamp at +0, +1, +2 and reads them back', async () => {
    const state = await freshState()
    await writePrice(state, { underlyingId: 2, priceWad: 61_000n * WAD, volWad: WAD / 2n, timestamp: 1234n })
    const raw = async (slot: bigint) => {
      const v = await state.getStorage(ORACLE, setLengthLeft(bigIntToBytes(slot), 32))
      return v.length === 0 ? 0n : hexToBigInt(toHex(v))
    }
    expect(await raw(feedSlot(2))).toBe(61_000n * WAD)
    expect(await raw(feedSlot(2) + 1n)).toBe(WAD / 2n)
    expect(await raw(feedSlot(2) + 2n)).toBe(1234n)
    expect(await readPrice(state, 2)).toEqual({ underlyingId: 2, priceWad: 61_000n * WAD, volWad: WAD / 2n, timestamp: 1234n })
    expect(await readPriceTimestamp(state, 2)).toBe(1234n)
  })

  it('reads zeros for an underlying never priced', async () => {
    const state = await freshState()
    expect(await readPrice(state, 9)).toEqual({ underlyingId: 9, priceWad: 0n, volWad: 0n, timestamp: 0n })
  })

  it('refuses a zero price or vol', async () => {
    const state = await freshState()
    await expect(writePrice(state, { underlyingId: 1, priceWad: 0n, volWad: 1n, timestamp: 1n })).rejects.toThrow(RangeError)
    await expect(writePrice(state, { underlyingId: 1, priceWad: 1n, volWad: 0n, timestamp: 1n })).rejects.toThrow(RangeError)
  })

  it('writes the genesis prices as wad, in the order asked for by readPrices', async () => {
    const state = await freshState()
    await writeGenesisPrices(state, devMarket, 1_767_225_600n)
    const [btc, eth, lp] = await readPrices(state, [2, 1, 3])
    expect(eth).toEqual({ underlyingId: 1, priceWad: 3000n * WAD, volWad: 6n * 10n ** 17n, timestamp: 1_767_225_600n })
    expect(btc.priceWad).toBe(60_000n * WAD)
    expect(btc.volWad).toBe(5n * 10n ** 17n)
    expect(lp.priceWad).toBe(100n * WAD)
  })

  it('charges gas when given a meter: 3 reads, and fresh-slot writes then used-slot writes', async () => {
    const state = await freshState()
    const gas = new GasTally()
    await readPrice(state, 1, gas)
    expect(gas.used).toBe(3n * 2_100n)
    const w1 = new GasTally()
    await writePrice(state, { underlyingId: 1, priceWad: WAD, volWad: WAD, timestamp: 1n }, w1)
    expect(w1.used).toBe(3n * 22_100n)
    const w2 = new GasTally()
    await writePrice(state, { underlyingId: 1, priceWad: 2n * WAD, volWad: WAD, timestamp: 2n }, w2)
    expect(w2.used).toBe(3n * 5_000n)
  })
})
