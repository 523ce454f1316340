import { describe, expect, it } from 'vitest'
import { InvalidParamsError } from './errors.ts'
import {
  arity,
  MAX_BLOCK_NUMBER,
  parseAddress,
  parseBlockTag,
  parseCallRequest,
  parseData,
  parseHash,
  parseLogFilter,
  parsePercentiles,
  parseQuantity,
  parseSlot,
  parseStateOverrides,
  parseUint,
  parseUint64,
} from './params.ts'

const A = `0x${'ab'.repeat(20)}`
const H = `0x${'cd'.repeat(32)}`

/** Runs `fn` and returns the InvalidParamsError message it throws. */
function msg(fn: () => unknown): string {
  try {
    fn()
  } catch (err) {
    expect(err).toBeInstanceOf(InvalidParamsError)
    expect((err as InvalidParamsError).code).toBe(-32602)
    return (err as InvalidParamsError).shortMessage
  }
  throw new Error('expected InvalidParamsError')
}

describe('parseQuantity', () => {
  it('reads minimal hex', () => {
    expect(parseQuantity('0x0', 0)).toBe(0n)
    expect(parseQuantity('0x1a', 0)).toBe(26n)
    expect(parseQuantity(`0x${'f'.repeat(64)}`, 0)).toBe(2n ** 256n - 1n)
  })
  it('refuses what geth refuses, naming the argument', () => {
    expect(msg(() => parseQuantity('0x01', 2))).toBe('invalid argument 2: hex number with leading zero digits')
    expect(msg(() => parseQuantity('0x', 0))).toBe('invalid argument 0: hex string "0x"')
    expect(msg(() => parseQuantity('12', 0))).toBe('invalid argument 0: hex string without 0x prefix')
    expect(msg(() => parseQuantity('0xzz', 0))).toBe('invalid argument 0: invalid hex string')
    expect(msg(() => parseQuantity(12, 1))).toBe('invalid argument 1: expected a hex quantity string, got number')
    expect(msg(() => parseQuantity(`0x1${'0'.repeat(64)}`, 0))).toBe('invalid argument 0: hex number > 256 bits')
    expect(msg(() => parseQuantity('0x01', 0, 'gas'))).toBe('invalid argument 0: gas: hex number with leading zero digits')
  })
})

describe('parseUint', () => {
  it('takes hex, decimal strings and numbers', () => {
    expect(parseUint('0x10', 0)).toBe(16)
    expect(parseUint('10', 0)).toBe(10)
    expect(parseUint(7, 0)).toBe(7)
    expect(msg(() => parseUint(-1, 0))).toMatch(/^invalid argument 0: expected a non-negative integer/)
    expect(msg(() => parseUint(`0x${'f'.repeat(20)}`, 0))).toBe('invalid argument 0: number too large')
  })
})

describe('hex data, addresses, hashes, slots', () => {
  it('parses and lower-cases', () => {
    expect(parseData('0xDEADbeef', 0)).toBe('0xdeadbeef')
    expect(parseData('0x', 0)).toBe('0x')
    expect(parseAddress(A.toUpperCase().replace('0X', '0x'), 0)).toBe(A)
    expect(parseHash(H, 0)).toBe(H)
    expect(parseSlot('0x1', 1)).toBe(`0x${'0'.repeat(63)}1`)
  })
  it('refuses wrong lengths with the length geth prints', () => {
    expect(msg(() => parseData('0xabc', 0))).toBe('invalid argument 0: hex string has odd length')
    expect(msg(() => parseAddress('0xabcd', 0))).toBe('invalid argument 0: hex string has length 4, want 40 for common.Address')
    expect(msg(() => parseHash(A, 1))).toBe('invalid argument 1: hex string has length 40, want 64 for common.Hash')
    expect(msg(() => parseSlot(`0x${'1'.repeat(65)}`, 1))).toBe('invalid argument 1: hex string too long, want at most 32 bytes')
    expect(msg(() => parseAddress(null, 0))).toBe('invalid argument 0: expected a hex string, got null')
  })
})

describe('parseBlockTag', () => {
  it('reads tags, numbers and EIP-1898 objects', () => {
    for (const t of ['latest', 'pending', 'safe', 'finalized', 'earliest']) expect(parseBlockTag(t, 1)).toBe(t)
    expect(parseBlockTag('0x10', 1)).toBe(16n)
    expect(parseBlockTag(undefined, 1)).toBe('latest')
    expect(parseBlockTag({ blockHash: H }, 1)).toEqual({ hash: H })
    expect(parseBlockTag({ blockHash: H, requireCanonical: true }, 1)).toEqual({ hash: H })
    expect(parseBlockTag({ blockNumber: '0x5' }, 1)).toBe(5n)
    expect(parseBlockTag(H.toUpperCase().replace('0X', '0x'), 1)).toEqual({ hash: H })
  })
  it('refuses anything else, naming the argument', () => {
    expect(msg(() => parseBlockTag('newest', 1))).toMatch(/^invalid argument 1: invalid block tag "newest"/)
    expect(msg(() => parseBlockTag({ blockHash: A }, 2))).toBe(
      'invalid argument 2: blockHash: hex string has length 40, want 64 for common.Hash',
    )
    expect(msg(() => parseBlockTag({ blockHash: H, blockNumber: '0x1' }, 1))).toMatch(/both blockHash and blockNumber/)
    expect(msg(() => parseBlockTag({}, 1))).toBe('invalid argument 1: block object needs blockHash or blockNumber')
    expect(msg(() => parseBlockTag(5, 1))).toBe('invalid argument 1: expected a block tag, number or hash, got number')
  })
})

describe('block numbers past any chain', () => {
  it('refuses numbers over int64 as bad parameters (as geth), never as an unknown block', () => {
    expect(parseBlockTag(`0x${(2n ** 63n - 1n).toString(16)}`, 1)).toBe(MAX_BLOCK_NUMBER)
    expect(msg(() => parseBlockTag(`0x${(2n ** 64n).toString(16)}`, 1))).toBe('invalid argument 1: hex number > 64 bits')
    expect(msg(() => parseBlockTag(`0x${(2n ** 63n).toString(16)}`, 0))).toBe('invalid argument 0: block number larger than int64')
    expect(msg(() => parseBlockTag({ blockNumber: `0x1${'0'.repeat(16)}` }, 2))).toBe(
      'invalid argument 2: blockNumber: hex number > 64 bits',
    )
    expect(msg(() => parseLogFilter({ fromBlock: `0x1${'0'.repeat(16)}` }, 0))).toBe('invalid argument 0: fromBlock: hex number > 64 bits')
    expect(msg(() => parseLogFilter({ toBlock: `0x${'f'.repeat(16)}` }, 0))).toBe(
      'invalid argument 0: toBlock: block number larger than int64',
    )
  })
  it('gas and nonce are 64-bit, as geth reads them', () => {
    expect(parseCallRequest({ gas: `0x${'f'.repeat(16)}` }, 0).gas).toBe(2n ** 64n - 1n)
    expect(parseUint64('0x10', 0)).toBe(16n)
    expect(msg(() => parseCallRequest({ gas: `0x1${'0'.repeat(16)}` }, 0))).toBe('invalid argument 0: gas: hex number > 64 bits')
    expect(msg(() => parseCallRequest({ nonce: `0x1${'0'.repeat(16)}` }, 0))).toBe('invalid argument 0: nonce: hex number > 64 bits')
  })
})

describe('parseCallRequest', () => {
  it('reads a call with input or data', () => {
    expect(parseCallRequest({ from: A, to: A, gas: '0x5208', value: '0x1', input: '0x12' }, 0)).toEqual({
      from: A,
      to: A,
      gas: 21000n,
      value: 1n,
      data: '0x12',
    })
    expect(parseCallRequest({ to: A, data: '0x34' }, 0).data).toBe('0x34')
    expect(parseCallRequest({ to: A, data: '0x34', input: '0x34' }, 0).data).toBe('0x34')
    expect(parseCallRequest({ accessList: [{ address: A, storageKeys: [H] }] }, 0).accessList).toEqual([{ address: A, storageKeys: [H] }])
  })
  it('refuses bad fields by name', () => {
    expect(msg(() => parseCallRequest({ to: A, data: '0x12', input: '0x34' }, 0))).toMatch(/both "data" and "input" are set and not equal/)
    expect(msg(() => parseCallRequest({ value: '0x01' }, 0))).toBe('invalid argument 0: value: hex number with leading zero digits')
    expect(msg(() => parseCallRequest({ gasPrice: '0x1', maxFeePerGas: '0x1' }, 0))).toMatch(/both gasPrice/)
    expect(msg(() => parseCallRequest('0x', 0))).toBe('invalid argument 0: expected a transaction call object, got string')
    expect(msg(() => parseCallRequest({ accessList: [{ address: '0x1' }] }, 0))).toMatch(/^invalid argument 0: accessList\[0\]\.address: /)
  })
})

describe('parseLogFilter', () => {
  it('reads addresses, topics and block bounds', () => {
    expect(parseLogFilter({ fromBlock: '0x1', toBlock: 'latest', address: A, topics: [H, null, [H, H]] }, 0)).toEqual({
      fromBlock: 1n,
      toBlock: 'latest',
      addresses: [A],
      topics: [H, null, [H, H]],
    })
    expect(parseLogFilter({ blockHash: H, address: [A] }, 0)).toEqual({ blockHash: H, addresses: [A] })
    expect(parseLogFilter(undefined, 0)).toEqual({})
  })
  it('refuses a blockHash with a range, and bad topics', () => {
    expect(msg(() => parseLogFilter({ blockHash: H, fromBlock: '0x1' }, 0))).toMatch(/cannot specify both BlockHash/)
    expect(msg(() => parseLogFilter({ topics: [A] }, 0))).toBe(
      'invalid argument 0: topics[0]: hex string has length 40, want 64 for common.Hash',
    )
    expect(msg(() => parseLogFilter({ topics: [null, null, null, null, null] }, 0))).toMatch(/too many topics/)
    expect(msg(() => parseLogFilter({ address: [A, '0x1'] }, 0))).toMatch(/^invalid argument 0: address\[1\]: /)
  })
})

describe('parseStateOverrides', () => {
  it('reads balance, nonce, code and state or stateDiff', () => {
    expect(parseStateOverrides({ [A]: { balance: '0x10', nonce: '0x1', code: '0x60', stateDiff: { [H]: H } } }, 2)).toEqual({
      [A]: { balance: 16n, nonce: 1n, code: '0x60', stateDiff: { [H]: H } },
    })
    expect(parseStateOverrides(undefined, 2)).toBeUndefined()
  })
  it('refuses state with stateDiff, and bad members by name', () => {
    expect(msg(() => parseStateOverrides({ [A]: { state: {}, stateDiff: {} } }, 2))).toBe(
      `invalid argument 2: ${A}: has both state and stateDiff`,
    )
    expect(msg(() => parseStateOverrides({ [A]: { balance: '10' } }, 2))).toBe(
      `invalid argument 2: ${A}.balance: hex string without 0x prefix`,
    )
    expect(msg(() => parseStateOverrides({ '0x12': {} }, 2))).toMatch(/^invalid argument 2: override address: /)
  })
})

describe('arity and percentiles', () => {
  it('checks the argument count and pads', () => {
    expect(arity(['a'], 1, 3)).toEqual(['a', undefined, undefined])
    expect(msg(() => arity([1, 2, 3], 1, 2))).toBe('too many arguments, want at most 2')
    expect(msg(() => arity([], 1, 2))).toBe('missing value for required argument 0')
  })
  it('checks reward percentiles', () => {
    expect(parsePercentiles([10, 50, 90], 2)).toEqual([10, 50, 90])
    expect(msg(() => parsePercentiles([50, 10], 2))).toMatch(/^invalid argument 2: reward percentiles must be increasing/)
    expect(msg(() => parsePercentiles([101], 2))).toMatch(/invalid reward percentile 101/)
  })
})
