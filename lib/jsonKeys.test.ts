import { describe, expect, it } from 'vitest'
import { FORBIDDEN_KEYS, isForbiddenKey, nullProtoCopy, scanJson } from './jsonKeys.ts'

describe('scanJson', () => {
  it.each([
    ['{"__proto__":{"imMultiplier":1}}', '__proto__'],
    ['{"es":{"correlation":{"constructor":0.5}}}', 'es.correlation.constructor'],
    ['{"instruments":{"add":[{"id":9},{"prototype":1}]}}', 'instruments.add[1].prototype'],
    ['[[[{"a":{"__proto__":null}}]]]', '[0][0][0].a.__proto__'],
  ])('finds the forbidden key of %s at %s', (text, path) => {
    expect(scanJson(JSON.parse(text)).forbidden).toBe(path)
  })

  it('prefixes the root path, and finds nothing in a clean document', () => {
    expect(scanJson(JSON.parse('{"a":{"__proto__":1}}'), 'margin').forbidden).toBe('margin.a.__proto__')
    expect(scanJson({ haircut: { WETH: 0.2 }, proto: 1, constructors: [] }).forbidden).toBeUndefined()
    // values named like the keys are fine: only keys are refused
    expect(scanJson({ name: '__proto__', list: ['constructor'] }).forbidden).toBeUndefined()
  })

  it('measures the nesting without recursion (a 100,000-deep array does not overflow)', () => {
    expect(scanJson(1).depth).toBe(0)
    expect(scanJson({}).depth).toBe(1)
    expect(scanJson({ a: [{ b: 1 }] }).depth).toBe(3)
    const deep = JSON.parse(`${'['.repeat(100_000)}${']'.repeat(100_000)}`)
    expect(scanJson(deep).depth).toBe(100_000)
  })
})

describe('nullProtoCopy', () => {
  it('copies deeply into objects without a prototype', () => {
    const src = { a: { b: [1, { c: 'x' }] } }
    const copy = nullProtoCopy(src) as Record<string, any>
    expect(Object.getPrototypeOf(copy)).toBeNull()
    expect(Object.getPrototypeOf(copy.a.b[1])).toBeNull()
    expect(Array.isArray(copy.a.b)).toBe(true)
    expect(copy.toString).toBeUndefined()
    expect(JSON.stringify(copy)).toBe(JSON.stringify(src))
  })

  it('names the three keys', () => {
    expect(FORBIDDEN_KEYS).toEqual(['__proto__', 'constructor', 'prototype'])
    expect(isForbiddenKey('constructor')).toBe(true)
    expect(isForbiddenKey('Constructor')).toBe(false)
  })
})
