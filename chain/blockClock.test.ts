import { describe, expect, it } from 'vitest'
import { BlockClock } from './blockClock.ts'
import { TimestampError } from './errors.ts'

describe('BlockClock', () => {
  let wall = 1_000n
  const clock = () => {
    wall = 1_000n
    return new BlockClock(() => wall)
  }

  it('is the wall clock until moved, and never before the parent', () => {
    const c = clock()
    expect(c.next(900n)).toBe(1_000n)
    expect(c.next(1_200n)).toBe(1_200n)
  })

  it('runs ahead by the total of increase(), which it answers', () => {
    const c = clock()
    expect(c.increase(60n)).toBe(60n)
    expect(c.increase(86_400n)).toBe(86_460n)
    wall = 1_010n
    expect(c.next(0n)).toBe(1_010n + 86_460n)
  })

  it('stamps the next block exactly once, then runs on from that timestamp', () => {
    const c = clock()
    c.setNext(5_000n, 999n)
    expect(c.next(999n)).toBe(5_000n)
    c.spent(5_000n)
    expect(c.offset).toBe(4_000n)
    wall = 1_003n
    expect(c.next(5_000n)).toBe(5_003n)
  })

  it('refuses a next timestamp before the head, in Anvil words', () => {
    const c = clock()
    expect(() => c.setNext(10n, 11n)).toThrow(TimestampError)
    expect(() => c.setNext(10n, 11n)).toThrow("Timestamp error: 10 is lower than previous block's timestamp")
    c.setNext(11n, 11n)
    expect(c.next(11n)).toBe(11n)
  })

  it('leaves the offset alone when no timestamp was set', () => {
    const c = clock()
    c.increase(5n)
    c.spent(2_000n)
    expect(c.offset).toBe(5n)
  })
})
