import { describe, expect, it } from 'vitest'
import { canonicalJson } from './canonicalJson.ts'

describe('canonicalJson', () => {
  it('sorts keys at every depth and keeps array order', () => {
    expect(canonicalJson({ b: 1, a: [3, { d: 0, c: 'x' }, 1] })).toBe('{"a":[3,{"c":"x","d":0},1],"b":1}')
  })

  it('encodes equal values built in different orders to the same text', () => {
    const x = { z: { q: 2 / 3, p: -0.3 }, y: [true, null], x: 'é' }
    const y = { x: 'é', y: [true, null], z: { p: -0.3, q: 2 / 3 } }
    expect(canonicalJson(x)).toBe(canonicalJson(y))
    expect(JSON.parse(canonicalJson(x))).toEqual(x)
  })

  it('leaves out undefined members and refuses non-finite numbers and bigints', () => {
    expect(canonicalJson({ a: undefined, b: 1 })).toBe('{"b":1}')
    expect(() => canonicalJson({ a: { b: Number.NaN } })).toThrow(/a\.b is not a finite number/)
    expect(() => canonicalJson({ a: 1n })).toThrow(/bigint/)
  })

  it('keeps a __proto__ member as a member, never as the prototype', () => {
    expect(canonicalJson(JSON.parse('{"b":1,"__proto__":{"x":2}}'))).toBe('{"__proto__":{"x":2},"b":1}')
  })
})
