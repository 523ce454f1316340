import { describe, expect, it } from 'vitest'
import { devGenesisDocument } from './dev.ts'
import { GenesisError } from './errors.ts'
import { LISTING_OFF } from './listingBounds.ts'
import { parseGenesis } from './validate.ts'

function withListing(listing: unknown): Record<string, unknown> {
  const doc = devGenesisDocument(1_800_000_000)
  const margin = doc.margin as Record<string, unknown>
  if (listing === undefined) delete margin.listing
  else margin.listing = listing
  return doc
}

function refusal(listing: unknown): string {
  try {
    parseGenesis(withListing(listing))
  } catch (err) {
    if (err instanceof GenesisError) return err.shortMessage
    throw err
  }
  return 'accepted'
}

describe('genesis listing', () => {
  it('parses the dev schedule, and no listing as nothing listed', () => {
    expect(parseGenesis(withListing({ weekly: 3 })).margin!.config.listing).toEqual({ ...LISTING_OFF, weekly: 3 })
    expect(parseGenesis(withListing(undefined)).margin!.config.listing).toEqual(LISTING_OFF)
    expect(parseGenesis(devGenesisDocument(1_800_000_000)).margin!.config.listing).toEqual({
      weekly: 2,
      monthly: 2,
      strikesPct: [-0.2, -0.1, 0, 0.1, 0.2],
      tick: { ETH: 100, BTC: 1000 },
    })
  })
  it('refuses values out of bounds, naming the field', () => {
    expect(refusal({ weekly: 9 })).toMatch(/^genesis: margin\.listing\.weekly: must be an integer in \[0, 8\]/)
    expect(refusal({ monthly: 1.5 })).toMatch(/^genesis: margin\.listing\.monthly: /)
    expect(refusal({ strikesPct: [-1] })).toMatch(/^genesis: margin\.listing\.strikesPct\[0\]: must be in \(-1, 5\)/)
    expect(refusal({ strikesPct: [5] })).toMatch(/^genesis: margin\.listing\.strikesPct\[0\]: /)
    expect(refusal({ strikesPct: Array.from({ length: 22 }, (_, i) => i / 100) })).toMatch(/at most 21 entries/)
    expect(refusal({ strikesPct: [0.1, 0.1] })).toMatch(/holds a value twice/)
    expect(refusal({ tick: { ETH: 0 } })).toMatch(/^genesis: margin\.listing\.tick\.ETH: must be in \(0, /)
    expect(refusal({ tick: { DOGE: 1 } })).toMatch(/^genesis: margin\.listing\.tick\.DOGE: unknown underlying/)
    expect(refusal({ daily: 1 })).toMatch(/^genesis: margin\.listing\.daily: unknown field/)
    expect(refusal([])).toMatch(/^genesis: margin\.listing: must be an object/)
  })
})
