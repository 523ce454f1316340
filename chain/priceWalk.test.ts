import { describe, expect, it } from 'vitest'
import { createPriceWalk } from './priceWalk.ts'

const start = [
  { id: 1, price: 3000, vol: 0.6 },
  { id: 2, price: 60_000, vol: 0.5 },
]

describe('createPriceWalk', () => {
  it('moves every quote, the same way for the same seed and another way for another seed', () => {
    const a = createPriceWalk({ start, seed: 7 })
    const b = createPriceWalk({ start, seed: 7 })
    const c = createPriceWalk({ start, seed: 8 })
    const qa = a.step(2)
    expect(qa).toEqual(b.step(2))
    expect(qa).not.toEqual(c.step(2))
    expect(qa[0].price).not.toBe(3000)
    expect(qa[1].price).not.toBe(60_000)
    expect(qa[0].vol).not.toBe(0.6)
    expect(start[0].price).toBe(3000)
  })

  it('moves by about vol·sqrt(time-scaled dt) per step', () => {
    const w = createPriceWalk({ start: [start[0]], seed: 1, timeScale: 600 })
    let sumSq = 0
    let prev = 3000
    const n = 2000
    for (let i = 0; i < n; i++) {
      const p = w.step(2)[0].price
      sumSq += Math.log(p / prev) ** 2
      prev = p
    }
    const expected = 0.6 * Math.sqrt((2 * 600) / 31_536_000)
    const realised = Math.sqrt(sumSq / n)
    expect(realised).toBeGreaterThan(expected * 0.8)
    expect(realised).toBeLessThan(expected * 1.25)
  })

  it('keeps prices positive and within a band, and vols sane, over a long fast walk', () => {
    const w = createPriceWalk({ start, seed: 3, timeScale: 1_000_000 })
    let lo = Number.POSITIVE_INFINITY
    let hi = 0
    let volLo = Number.POSITIVE_INFINITY
    let volHi = 0
    for (let i = 0; i < 20_000; i++) {
      for (const q of w.step(2)) {
        const rel = q.price / start.find((x) => x.id === q.id)!.price
        lo = Math.min(lo, rel)
        hi = Math.max(hi, rel)
        volLo = Math.min(volLo, q.vol)
        volHi = Math.max(volHi, q.vol)
      }
    }
    // the band is reached (the walk really moves) but never left
    expect(lo).toBeGreaterThanOrEqual(0.2)
    expect(hi).toBeLessThanOrEqual(5)
    expect(hi / lo).toBeGreaterThan(5)
    expect(volLo).toBeGreaterThanOrEqual(0.05)
    expect(volHi).toBeLessThanOrEqual(3)
  })

  it('never moves a quote by more than maxStepMove in one step, even after a long pause', () => {
    const w = createPriceWalk({ start, seed: 5, timeScale: 600 })
    let prev = w.current()
    let worst = 0
    for (let i = 0; i < 200; i++) {
      // a day between updates, scaled 600×: moves far beyond ±20 % if left alone
      const next = w.step(86_400)
      next.forEach((q, k) => {
        worst = Math.max(worst, Math.abs(q.price / prev[k].price - 1), Math.abs(q.vol / prev[k].vol - 1))
      })
      prev = next
    }
    expect(worst).toBeGreaterThan(0.19)
    expect(worst).toBeLessThanOrEqual(0.2 + 1e-12)
    const tight = createPriceWalk({ start, seed: 5, maxStepMove: 0.01 })
    const q = tight.step(86_400)
    expect(Math.abs(q[0].price / 3000 - 1)).toBeLessThanOrEqual(0.01 + 1e-12)
  })

  it("stays inside the Oracle's caps for a start near them", () => {
    const w = createPriceWalk({ start: [{ id: 1, price: 1e12, vol: 0.6 }, { id: 2, price: 1e-8, vol: 0.6 }], seed: 2, timeScale: 1_000_000 })
    for (let i = 0; i < 2000; i++) {
      const [a, b] = w.step(2)
      // as the feeder rounds them
      expect(Number(a.price.toPrecision(10))).toBeLessThan(1e12)
      expect(Number(b.price.toPrecision(10))).toBeGreaterThan(1e-8)
    }
  })
})
