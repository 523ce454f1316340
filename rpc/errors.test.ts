import { describe, expect, it } from 'vitest'
import { InsufficientFundsError, NonceTooLowError, UnknownBlockError } from '../chain/errors.ts'
import { ExecutionRevertedError } from '../execution/callErrors.ts'
import { InvalidPortfolioError } from '../risk/index.ts'
import { InvalidParamsError, toRpcError } from './errors.ts'

const A = `0x${'ab'.repeat(20)}` as const

describe('toRpcError', () => {
  it('maps mempool refusals to -32000 with geth wording', () => {
    expect(toRpcError(new NonceTooLowError(A, 3n, 1n))).toEqual({
      error: expect.objectContaining({ code: -32000 }),
      isBug: false,
    })
    expect(toRpcError(new NonceTooLowError(A, 3n, 1n)).error.toJSON()).toEqual({
      code: -32000,
      message: `nonce too low: address ${A}, tx: 1 state: 3`,
    })
    expect(toRpcError(new InsufficientFundsError(A, 1n, 2n)).error.toJSON().message).toMatch(
      /^insufficient funds for gas \* price \+ value/,
    )
  })

  it('maps a revert to code 3 with its data', () => {
    expect(toRpcError(new ExecutionRevertedError('0x1234', 'nope')).error.toJSON()).toEqual({
      code: 3,
      message: 'execution reverted: nope',
      data: '0x1234',
    })
    expect(toRpcError(new ExecutionRevertedError('0x')).error.toJSON()).toEqual({
      code: 3,
      message: 'execution reverted',
      data: '0x',
    })
  })

  it('says header not found for an unknown block, by number or by hash', () => {
    expect(toRpcError(new UnknownBlockError('0x99')).error.toJSON().message).toBe('header not found')
    expect(toRpcError(new UnknownBlockError(`0x${'11'.repeat(32)}`)).error.toJSON().message).toBe('header for hash not found')
  })

  it('maps a bad portfolio to -32602 naming the field', () => {
    const e = new InvalidPortfolioError({ field: 'positions[2].instrument', reason: 'unknown' })
    expect(toRpcError(e).error.toJSON()).toEqual({
      code: -32602,
      message: 'positions[2].instrument: unknown',
    })
  })

  it('passes RPC errors through and hides bugs behind -32603', () => {
    const p = new InvalidParamsError('bad', 1)
    expect(toRpcError(p)).toEqual({ error: p, isBug: false })
    expect(toRpcError(new TypeError('x is undefined'))).toEqual({
      error: expect.objectContaining({ code: -32603, shortMessage: 'internal error' }),
      isBug: true,
    })
  })
})
