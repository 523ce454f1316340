import { describe, expect, it } from 'vitest'
import { devGenesisDocument } from './dev.ts'
import { GenesisError } from './errors.ts'
import { parseGenesis } from './validate.ts'

const portal = '0x9fE46736679d2D9a65F0992F2272dE9f3c7fa6e0'
const usdc = '0x5FbDB2315678afecb367f032d93F642f64180aa3'

function refusal(bridge: unknown): GenesisError {
  try {
    parseGenesis({ ...devGenesisDocument(), bridge })
  } catch (err) {
    if (err instanceof GenesisError) return err
    throw err
  }
  throw new Error('genesis was accepted')
}

describe('genesis bridge section', () => {
  it('parses sources, tokens and the challenge period without touching the genesis block', () => {
    const g = parseGenesis({
      ...devGenesisDocument(),
      bridge: {
        sources: [
          { chainId: 31337, portal, finality: 'finalized', startBlock: 3 },
          { chainId: '0x7a69', portal: usdc, finality: { confirmations: 3 } },
        ],
        tokens: { USDC: usdc },
        challengePeriodSeconds: 10,
      },
    })
    expect(g.bridge).toEqual({
      sources: [
        { chainId: 31337, portal, finality: 'finalized', startBlock: 3n },
        { chainId: 31337, portal: usdc, finality: { confirmations: 3 } },
      ],
      tokens: { USDC: usdc.toLowerCase() },
      challengePeriodSeconds: 10,
    })
    expect(parseGenesis(devGenesisDocument()).bridge).toBeUndefined()
  })

  it('refuses bad fields, naming them', () => {
    expect(refusal({ sources: [{ chainId: 1, portal, finality: 'soon' }] }).field).toBe('bridge.sources[0].finality')
    expect(refusal({ sources: [{ chainId: 1, portal: '0x12', finality: 'safe' }] }).field).toBe('bridge.sources[0].portal')
    expect(refusal({ sources: [{ chainId: 1, portal, finality: { confirmations: 0 } }] }).field).toBe(
      'bridge.sources[0].finality.confirmations',
    )
    expect(refusal({}).field).toBe('bridge.sources')
    expect(refusal({ sources: [], tokens: { USDC: 'x' } }).field).toBe('bridge.tokens.USDC')
    expect(refusal({ sources: [], challengePeriodSeconds: -1 }).field).toBe('bridge.challengePeriodSeconds')
    expect(refusal({ sources: [], extra: 1 }).field).toBe('bridge.extra')
  })
})
