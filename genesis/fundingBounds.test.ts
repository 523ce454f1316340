import { describe, expect, it } from 'vitest'
import { devGenesisDocument } from './dev.ts'
import { parseMarginGenesis } from './validateMargin.ts'

const margin = () => structuredClone(devGenesisDocument().margin) as Record<string, unknown>

describe('genesis margin.funding', () => {
  it('defaults to SPEC 6.3 dev values when left out, and takes a short interval', () => {
    const m = margin()
    delete m.funding
    expect(parseMarginGenesis(m).config.funding).toEqual({ intervalSeconds: 3600, maxRate: 0.0005 })
    expect(parseMarginGenesis({ ...margin(), funding: { intervalSeconds: 60 } }).config.funding).toEqual({
      intervalSeconds: 60,
      maxRate: 0.0005,
    })
  })

  it('refuses values outside the governed bounds, naming the field', () => {
    expect(() => parseMarginGenesis({ ...margin(), funding: { intervalSeconds: 30 } })).toThrow(/margin\.funding\.intervalSeconds/)
    expect(() => parseMarginGenesis({ ...margin(), funding: { maxRate: 0.5 } })).toThrow(/margin\.funding\.maxRate/)
    expect(() => parseMarginGenesis({ ...margin(), funding: { other: 1 } })).toThrow(/margin\.funding\.other/)
  })
})
