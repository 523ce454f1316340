/**
 * A seeded random walk of prices and vols for the dev price feeder. Not consensus code: the
 * chain only sees the signed numbers, so this may use `Math.exp`/`Math.sqrt` freely. It stays
 * inside what the Oracle accepts (execution/oracle/priceBounds.ts): each step moves a quote by at
 * most `maxStepMove` (default ±20 %, inside the dev `oracle.maxMove` of ±50 %), prices stay within
 * [start/5, start·5] and inside the caps [10^-8, 10^12] USD with room for rounding, vols within
 * [0.05, 3] (caps [0.0001, 10]).
 */
import { createRandom } from '../execution/risk/random.ts'

/** One underlying's simulated quote. */
export interface WalkQuote {
  /** Oracle id. */
  id: number
  /** USD per whole unit. */
  price: number
  /** Annualised vol (0.6 = 60%). */
  vol: number
}

/** Where the walk starts, its seed and its speed. */
export interface PriceWalkOptions {
  /** Starting quotes (the genesis or on-chain prices). */
  start: readonly WalkQuote[]
  /** Seed of the generator: the same seed gives the same path. */
  seed: number
  /**
   * Simulated seconds per real second, so a dev chain shows visible moves (600: a 2 s step moves
   * prices as 20 minutes of the market would at its vol). Default 600.
   */
  timeScale?: number
  /**
   * Largest relative move of a price or a vol in one step (0.2 = ±20 %), so one update never
   * exceeds the Oracle's `maxMove` even after a long pause. Default 0.2.
   */
  maxStepMove?: number
}

/** A random walk: `step(dtSeconds)` advances every quote and returns the new ones. */
export interface PriceWalk {
  step(dtSeconds: number): WalkQuote[]
  current(): WalkQuote[]
}

const YEAR_SECONDS = 31_536_000
/** Prices stay within [start/5, start·5]; vols within [0.05, 3]. */
const PRICE_BAND = 5
const VOL_MIN = 0.05
const VOL_MAX = 3
/** Inside the Oracle's price caps [10^-8, 10^12] by 0.1 %: the feeder rounds to 10 digits. */
const PRICE_MIN = 1.001e-8
const PRICE_MAX = 0.999e12

const clamp = (x: number, lo: number, hi: number) => Math.min(hi, Math.max(lo, x))

/**
 * Creates the walk: geometric Brownian motion at each quote's own vol (time-scaled), and a vol
 * that reverts to its starting level with small relative noise; both reflected inside their bands.
 *
 * @example
 * const walk = createPriceWalk({ start: [{ id: 1, price: 3000, vol: 0.6 }], seed: 1 })
 * walk.step(2) // [{ id: 1, price: 3004.1…, vol: 0.6003… }]
 */
export function createPriceWalk(opts: PriceWalkOptions): PriceWalk {
  const rnd = createRandom(opts.seed)
  const timeScale = opts.timeScale ?? 600
  const m = opts.maxStepMove ?? 0.2
  const anchors = opts.start.map((q) => ({ ...q }))
  const quotes = opts.start.map((q) => ({ ...q }))
  const normal = () => Math.sqrt(-2 * Math.log(rnd.nextUnit())) * Math.cos(2 * Math.PI * rnd.nextUnit())
  const reflect = (x: number, lo: number, hi: number) => (x < lo ? Math.min(hi, (lo * lo) / x) : x > hi ? Math.max(lo, (hi * hi) / x) : x)
  return {
    step(dtSeconds) {
      const t = (Math.max(0, dtSeconds) * timeScale) / YEAR_SECONDS
      for (let i = 0; i < quotes.length; i++) {
        const q = quotes[i]
        const a = anchors[i]
        const sigma = q.vol
        const lo = Math.max(PRICE_MIN, a.price / PRICE_BAND)
        const hi = Math.min(PRICE_MAX, a.price * PRICE_BAND)
        const price = reflect(q.price * Math.exp(sigma * Math.sqrt(t) * normal() - 0.5 * sigma * sigma * t), lo, hi)
        // The step's cap first, then the band: q is inside the band, so the band only moves the
        // figure back towards q and the step stays within its cap.
        q.price = clamp(clamp(price, q.price * (1 - m), q.price * (1 + m)), lo, hi)
        const revert = Math.min(1, 50 * t)
        const vol = reflect((q.vol + revert * (a.vol - q.vol)) * Math.exp(0.01 * normal()), VOL_MIN, VOL_MAX)
        q.vol = clamp(clamp(vol, q.vol * (1 - m), q.vol * (1 + m)), VOL_MIN, VOL_MAX)
      }
      return this.current()
    },
    current() {
      return quotes.map((q) => ({ ...q }))
    },
  }
}
