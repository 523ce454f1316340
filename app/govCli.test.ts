import { describe, expect, it } from 'vitest'
import { GovCliInputError, resolveKey } from './govCli.ts'

const KEY = '0xac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80'

describe('resolveKey', () => {
  it('takes a hex key with or without 0x', () => {
    expect(resolveKey(KEY, {})).toBe(KEY)
    expect(resolveKey(KEY.slice(2), {})).toBe(KEY)
  })

  it('reads an environment variable named by --key', () => {
    expect(resolveKey('COUNCIL_KEY', { COUNCIL_KEY: `${KEY}\n` })).toBe(KEY)
  })

  it('names the problem: unset variable, variable without a key, neither key nor name', () => {
    expect(() => resolveKey('COUNCIL_KEY', {})).toThrow(new GovCliInputError('--key', 'environment variable COUNCIL_KEY is not set'))
    expect(() => resolveKey('COUNCIL_KEY', { COUNCIL_KEY: 'abc' })).toThrow(/does not hold a 32-byte hex key/)
    expect(() => resolveKey('0x1234', {})).toThrow(/expected a 32-byte hex key or an environment variable name/)
  })
})
