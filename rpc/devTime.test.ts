import { describe, expect, it } from 'vitest'
import type { DevChainApi } from '../chain/types.ts'
import { devTimeMethods, MAX_MINE_BLOCKS, parseCount } from './devTime.ts'
import { InvalidParamsError } from './errors.ts'
import type { RpcContext } from './types.ts'

/** A node that records what it is asked, the clock as a plain offset. */
function fakeDev() {
  const calls: string[] = []
  let offset = 0n
  const dev: DevChainApi = {
    increaseTime: (s) => {
      offset += s
      calls.push(`increase ${s}`)
      return offset
    },
    setNextBlockTimestamp: (t) => void calls.push(`next ${t}`),
    produceBlock: async () => (calls.push(`mine at +${offset}`), undefined),
  }
  return { calls, methods: devTimeMethods(dev) }
}
const ctx = {} as RpcContext

describe('parseCount', () => {
  it('takes a number, a hex quantity or a decimal string', () => {
    expect(parseCount(86_400, 0)).toBe(86_400n)
    expect(parseCount('0x15180', 0)).toBe(86_400n)
    expect(parseCount('86400', 0)).toBe(86_400n)
  })
  it('refuses negatives, fractions and other things, naming the argument', () => {
    for (const bad of [-1, 1.5, 'abc', '0x', true, {}]) expect(() => parseCount(bad, 1)).toThrow(InvalidParamsError)
    expect(() => parseCount(-1, 1)).toThrow(/invalid argument 1/)
  })
})

describe('devTimeMethods', () => {
  it('evm_increaseTime answers the total offset as a number', async () => {
    const { methods } = fakeDev()
    expect(await methods.evm_increaseTime([60], ctx)).toBe(60)
    expect(await methods.evm_increaseTime(['0x3c'], ctx)).toBe(120)
  })

  it('evm_mine mines one block, or `blocks` at `timestamp`, and answers "0x0"', async () => {
    const { methods, calls } = fakeDev()
    expect(await methods.evm_mine([], ctx)).toBe('0x0')
    expect(await methods.evm_mine([1_700_000_000], ctx)).toBe('0x0')
    await methods.evm_mine([{ timestamp: '0x10', blocks: 2 }], ctx)
    expect(calls).toEqual(['mine at +0', 'next 1700000000', 'mine at +0', 'next 16', 'mine at +0', 'mine at +0'])
  })

  it('anvil_mine moves the clock `interval` before each block, as Anvil does', async () => {
    const { methods, calls } = fakeDev()
    expect(await methods.anvil_mine(['0x2', '0x3c'], ctx)).toBeNull()
    expect(calls).toEqual(['increase 60', 'mine at +60', 'increase 60', 'mine at +120'])
    await methods.hardhat_mine([], ctx)
    expect(calls.at(-1)).toBe('mine at +120')
  })

  it('bounds one call to MAX_MINE_BLOCKS blocks, mining none past it', async () => {
    const { methods, calls } = fakeDev()
    await expect(methods.anvil_mine([Number(MAX_MINE_BLOCKS) + 1], ctx)).rejects.toThrow(InvalidParamsError)
    expect(calls).toEqual([])
  })

  it('evm_setNextBlockTimestamp passes the timestamp on and answers null', async () => {
    const { methods, calls } = fakeDev()
    expect(await methods.evm_setNextBlockTimestamp(['0x64'], ctx)).toBeNull()
    expect(calls).toEqual(['next 100'])
    expect(() => methods.evm_setNextBlockTimestamp([], ctx)).toThrow(/missing value/)
  })
})
