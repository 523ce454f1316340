import { describe, expect, it } from 'vitest'
import { isStale } from './isStale.ts'

describe('isStale', () => {
  it('is fresh up to exactly maxOracleAge seconds, stale one second later', () => {
    expect(isStale(1000n, 1000n, 60)).toBe(false)
    expect(isStale(1000n, 1060n, 60)).toBe(false)
    expect(isStale(1000n, 1061n, 60)).toBe(true)
    expect(isStale(1000n, 1061n, 61n)).toBe(false)
  })

  it('treats a never-set price (timestamp 0) as stale', () => {
    expect(isStale(0n, 10n, 60)).toBe(true)
  })
})
