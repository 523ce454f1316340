import { MerkleStateManager } from '@ethereumjs/statemanager'
import { Account, createAddressFromString } from '@ethereumjs/util'
import { describe, expect, it } from 'vitest'
import { devMarket, devRiskParams } from '../../risk/index.ts'
import { ContractStorage, GAS_READ, GasTally } from '../contractStorage.ts'
import { GOVERNANCE_ADDRESS } from './addresses.ts'
import {
  CONFIG_HASH_SLOT,
  CONFIG_SLOT,
  decodeGovernedConfig,
  encodeGovernedConfig,
  readGovernedConfig,
  readGovernedConfigVersion,
  writeGovernedConfig,
} from './governanceStore.ts'
import type { GovernedConfig } from './types.ts'

const gov = createAddressFromString(GOVERNANCE_ADDRESS)

async function freshState(): Promise<MerkleStateManager> {
  const state = new MerkleStateManager()
  await state.putAccount(gov, new Account(1n, 0n))
  return state
}

/** The same config with every object's keys and every address list in reverse order. */
function shuffled(c: GovernedConfig): GovernedConfig {
  const rev = (v: unknown): unknown => {
    if (Array.isArray(v)) return v.map(rev)
    if (typeof v === 'object' && v !== null) {
      return Object.fromEntries(
        Object.entries(v)
          .reverse()
          .map(([k, x]) => [k, rev(x)]),
      )
    }
    return v
  }
  const out = rev(c) as GovernedConfig
  out.council.members.reverse()
  out.oracle.feeders.reverse()
  return out
}

describe('governed config in state', () => {
  const config: GovernedConfig = {
    market: devMarket,
    riskParams: devRiskParams,
    protocols: ['0x0000000000000000000000000000000000000b01', '0x0000000000000000000000000000000000000b02'],
    oracle: { feeders: ['0xa0ee7a142d267c1f36714e4a8f75612f20a79720'], threshold: 1, maxMove: 0.5 },
    council: {
      members: ['0x70997970c51812dc3a010c7d01b50e0d17dc79c8', '0xf39fd6e51aad88f6f4ce6ab8827279cfffb92266'],
      quorum: 2,
      timelockBlocks: 4,
    },
    funding: { intervalSeconds: 3600, maxRate: 0.0005 },
    listing: { weekly: 2, monthly: 2, strikesPct: [-0.2, -0.1, 0, 0.1, 0.2], tick: { BTC: 1000, ETH: 100 } },
  }

  it('encodes the same config to the same bytes whatever the key or address order', () => {
    const a = encodeGovernedConfig(config)
    const b = encodeGovernedConfig(shuffled(structuredClone(config)))
    expect(Buffer.from(b).toString()).toBe(Buffer.from(a).toString())
    expect(decodeGovernedConfig(a)).toEqual(config)
  })

  it('gives the same state root for the same config written in any key order', async () => {
    const s1 = await freshState()
    const s2 = await freshState()
    await writeGovernedConfig(s1, config)
    await writeGovernedConfig(s2, shuffled(structuredClone(config)))
    expect(Buffer.from(await s1.getStateRoot()).toString('hex')).toBe(Buffer.from(await s2.getStateRoot()).toString('hex'))
    const s3 = await freshState()
    await writeGovernedConfig(s3, { ...config, protocols: ['0x1111111111111111111111111111111111111111'] })
    expect(Buffer.from(await s3.getStateRoot()).toString('hex')).not.toBe(Buffer.from(await s1.getStateRoot()).toString('hex'))
  })

  it('reads back what was written, bumps the version, and has nothing before genesis', async () => {
    const state = await freshState()
    expect(await readGovernedConfig(state)).toBeUndefined()
    expect(await readGovernedConfigVersion(state)).toBe(0n)
    expect(await writeGovernedConfig(state, config)).toBe(1n)
    expect(await readGovernedConfig(state)).toEqual(config)
    const next = { ...config, riskParams: { ...config.riskParams, imMultiplier: 2 } }
    expect(await writeGovernedConfig(state, next)).toBe(2n)
    expect((await readGovernedConfig(state))!.riskParams.imMultiplier).toBe(2)
    expect(await readGovernedConfigVersion(state)).toBe(2n)
  })

  it('serves reads from a cache keyed by the document hash, deep-frozen, one metered read each', async () => {
    const state = await freshState()
    await writeGovernedConfig(state, config)
    const a = (await readGovernedConfig(state))!
    const b = (await readGovernedConfig(state))!
    expect(b).toBe(a)
    expect(Object.isFrozen(a.riskParams.haircut)).toBe(true)
    expect(() => {
      ;(a.riskParams.haircut as Record<string, number>).WETH = 0.5
    }).toThrow()
    const gas = new GasTally()
    await readGovernedConfig(state, gas)
    expect(gas.used).toBe(GAS_READ)
  })

  it('stores the document in Solidity bytes layout under its keccak256', async () => {
    const state = await freshState()
    await writeGovernedConfig(state, config)
    const raw = new ContractStorage(state, gov)
    const text = await raw.string(CONFIG_SLOT)
    expect(JSON.parse(text)).toEqual(config)
    expect(await raw.word(CONFIG_HASH_SLOT)).not.toBe(0n)
  })

  it('shrinks cleanly: a shorter document clears the old tail', async () => {
    const state = await freshState()
    await writeGovernedConfig(state, config)
    const small = { ...config, market: { ...config.market, instruments: config.market.instruments.slice(0, 2) } }
    await writeGovernedConfig(state, small)
    expect(await readGovernedConfig(state)).toEqual(small)
    // big then small vs small twice: both at version 2, equal roots only if the big tail is gone.
    const fresh = await freshState()
    await writeGovernedConfig(fresh, small)
    await writeGovernedConfig(fresh, small)
    expect(Buffer.from(await state.getStateRoot()).toString('hex')).toBe(Buffer.from(await fresh.getStateRoot()).toString('hex'))
  })
})
