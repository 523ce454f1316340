/**
 * The kernel's only randomness: a seeded xoshiro128** generator (32-bit integer ops only, so
 * every platform draws the same sequence).
 */
export interface Random {
  /** Next 32-bit unsigned integer. */
  nextUint32(): number
  /** Uniform double strictly inside (0, 1), 53 bits. */
  nextUnit(): number
}

/** Seeds xoshiro128** from one 32-bit seed through splitmix32. */
export function createRandom(seed: number): Random {
  let x = seed >>> 0
  const split = () => {
    x = (x + 0x9e3779b9) >>> 0
    let z = x
    z = Math.imul(z ^ (z >>> 16), 0x85ebca6b) >>> 0
    z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35) >>> 0
    return (z ^ (z >>> 16)) >>> 0
  }
  let s0 = split()
  let s1 = split()
  let s2 = split()
  let s3 = split()
  const nextUint32 = () => {
    const r = Math.imul(rotl(Math.imul(s1, 5) >>> 0, 7), 9) >>> 0
    const t = (s1 << 9) >>> 0
    s2 ^= s0
    s3 ^= s1
    s1 ^= s2
    s0 ^= s3
    s2 ^= t
    s3 = rotl(s3 >>> 0, 11)
    s0 >>>= 0
    s1 >>>= 0
    s2 >>>= 0
    return r
  }
  return {
    nextUint32,
    nextUnit: () => {
      const hi = nextUint32() >>> 5 // 27 bits
      const lo = nextUint32() >>> 6 // 26 bits
      return (hi * 67108864 + lo + 0.5) / 9007199254740992
    },
  }
}

function rotl(v: number, k: number): number {
  return ((v << k) | (v >>> (32 - k))) >>> 0
}
