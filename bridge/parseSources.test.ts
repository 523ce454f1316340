import { describe, expect, it } from 'vitest'
import { InvalidBridgeSourceError, parseSources } from './parseSources.ts'

const portal = '0x5fbdb2315678afecb367f032d93f642f64180aa3'

describe('parseSources', () => {
  it('accepts the three finality rules and checksums the portal', () => {
    expect(
      parseSources([
        { chainId: 31337, portal, finality: 'finalized' },
        { chainId: '0x1', portal, finality: 'safe', startBlock: '12' },
        { chainId: '10', portal, finality: { confirmations: 3 } },
      ]),
    ).toEqual([
      { chainId: 31337, portal: '0x5FbDB2315678afecb367f032d93F642f64180aa3', finality: 'finalized' },
      { chainId: 1, portal: '0x5FbDB2315678afecb367f032d93F642f64180aa3', finality: 'safe', startBlock: 12n },
      { chainId: 10, portal: '0x5FbDB2315678afecb367f032d93F642f64180aa3', finality: { confirmations: 3 } },
    ])
  })

  it('names the bad field', () => {
    const bad = (v: unknown, field: RegExp) => {
      expect(() => parseSources(v)).toThrow(InvalidBridgeSourceError)
      expect(() => parseSources(v)).toThrow(field)
    }
    bad({}, /bridge\.sources: expected an array/)
    bad([{ chainId: -1, portal, finality: 'safe' }], /sources\[0\]\.chainId/)
    bad([{ chainId: 1, portal: '0x12', finality: 'safe' }], /sources\[0\]\.portal/)
    bad([{ chainId: 1, portal, finality: 'latest' }], /sources\[0\]\.finality:/)
    bad([{ chainId: 1, portal, finality: { confirmations: 0 } }], /sources\[0\]\.finality\.confirmations/)
    bad(
      [
        { chainId: 1, portal, finality: 'safe' },
        { chainId: 1, portal: portal.toUpperCase().replace('0X', '0x'), finality: 'finalized' },
      ],
      /sources\[1\]\.portal: listed twice/,
    )
  })
})
