import { pino } from 'pino'
import { describe, expect, it } from 'vitest'
import { NonceTooLowError } from '../chain/errors.ts'
import type { ChainApi } from '../chain/types.ts'
import { dispatch, dispatchText, MAX_BATCH_CALLS, MAX_BODY_BYTES, serializeResponse, tooLargeJson } from './dispatch.ts'
import { InvalidParamsError } from './errors.ts'
import type { ChainEventSource } from './eventHub.ts'
import type { FilterStore } from './filters.ts'
import type { RpcContext, RpcMethod } from './types.ts'

const logger = pino({ level: 'silent' })
/** Dispatch never touches the chain, events or filters itself: only the handlers would. */
const ctx: RpcContext = { chain: {} as ChainApi, events: {} as ChainEventSource, filters: {} as FilterStore, logger }
const A = `0x${'ab'.repeat(20)}` as const

/** A method table of small handlers, each showing one path of dispatch. */
function table(extra: Record<string, RpcMethod> = {}): Map<string, RpcMethod> {
  return new Map<string, RpcMethod>(
    Object.entries({
      test_echo: (params) => params,
      test_nothing: () => undefined,
      test_deadline: (_params, c) => c.deadline ?? null,
      test_bad: () => {
        throw new InvalidParamsError('bad thing', 0)
      },
      test_domain: () => {
        throw new NonceTooLowError(A, 3n, 1n)
      },
      test_bug: () => {
        throw new TypeError('oops')
      },
      test_bigint: () => 1n,
      test_big: (params) => 'x'.repeat(Number(params[0])),
      ...extra,
    }),
  )
}

const call = (method: string, params?: unknown, id: unknown = 1) => ({ jsonrpc: '2.0', id, method, params })
const run = async (payload: unknown, opts: Partial<Parameters<typeof dispatch>[2]> = {}) => {
  const text = await dispatch(payload, ctx, { methods: table(), ...opts })
  return text === undefined ? undefined : JSON.parse(text)
}

describe('dispatch: one call', () => {
  it('answers a call with its result under its id, params defaulting to []', async () => {
    expect(await run(call('test_echo', [1, 'a']))).toEqual({ jsonrpc: '2.0', id: 1, result: [1, 'a'] })
    expect(await run(call('test_echo', undefined, 'x'))).toEqual({ jsonrpc: '2.0', id: 'x', result: [] })
    expect(await run(call('test_echo', null, null))).toEqual({ jsonrpc: '2.0', id: null, result: [] })
  })

  it('answers undefined as null, and a notification with nothing', async () => {
    expect(await run(call('test_nothing'))).toEqual({ jsonrpc: '2.0', id: 1, result: null })
    expect(await run({ jsonrpc: '2.0', method: 'test_echo', params: [] })).toBeUndefined()
    expect(await run({ jsonrpc: '2.0', method: 'test_bad' })).toBeUndefined()
  })

  it('serializes exactly as the wire has it', async () => {
    const text = await dispatch(call('test_echo', [1]), ctx, { methods: table() })
    expect(text).toBe('{"jsonrpc":"2.0","id":1,"result":[1]}')
  })

  it('gives a single call no deadline (only a batch shares one)', async () => {
    expect((await run(call('test_deadline'))).result).toBeNull()
  })

  it('refuses what is not a JSON-RPC request with -32600', async () => {
    const invalid = (message: string, id: unknown = null) => ({ jsonrpc: '2.0', id, error: { code: -32600, message } })
    expect(await run(42)).toEqual(invalid('invalid request: not a JSON-RPC object'))
    expect(await run(null)).toEqual(invalid('invalid request: not a JSON-RPC object'))
    expect(await run(call('test_echo', [], { no: 1 }))).toEqual(invalid('invalid request: id must be a string, number or null'))
    expect(await run({ jsonrpc: '1.0', id: 7, method: 'test_echo' })).toEqual(invalid('invalid request: jsonrpc must be "2.0"', 7))
    expect(await run({ jsonrpc: '2.0', id: 7, method: '' })).toEqual(invalid('invalid request: method must be a string', 7))
    expect(await run({ jsonrpc: '2.0', id: 7, method: 5 })).toEqual(invalid('invalid request: method must be a string', 7))
  })

  it('answers an unknown method -32601 in geth words, the name cut at 100 characters', async () => {
    expect((await run(call('nope_nothing'))).error).toEqual({
      code: -32601,
      message: 'the method nope_nothing does not exist/is not available',
    })
    const long = `x_${'a'.repeat(200)}`
    expect((await run(call(long))).error.message).toBe(`the method ${long.slice(0, 100)}… does not exist/is not available`)
  })

  it('answers params that are not an array -32602', async () => {
    expect((await run(call('test_echo', { a: 1 }))).error).toEqual({ code: -32602, message: 'non-array args' })
  })

  it('maps what a handler throws: RpcErrors as they are, domain errors by class, bugs to -32603', async () => {
    expect((await run(call('test_bad'))).error).toEqual({ code: -32602, message: 'invalid argument 0: bad thing' })
    expect((await run(call('test_domain'))).error).toEqual({ code: -32000, message: `nonce too low: address ${A}, tx: 1 state: 3` })
    expect((await run(call('test_bug'))).error).toEqual({ code: -32603, message: 'internal error' })
  })

  it('answers a result that is not JSON as an internal error of that call', async () => {
    expect(await run(call('test_bigint', [], 3))).toEqual({ jsonrpc: '2.0', id: 3, error: { code: -32603, message: 'internal error' } })
  })

  it('replaces a single answer over the size limit with -32003', async () => {
    expect((await run(call('test_big', [50]), { maxResponseBytes: 100 })).result).toBe('x'.repeat(50))
    expect(await run(call('test_big', [200], 9), { maxResponseBytes: 100 })).toEqual({
      jsonrpc: '2.0',
      id: 9,
      error: { code: -32003, message: 'response too large' },
    })
  })
})

describe('dispatch: batches', () => {
  it('answers the calls of a batch in order, notifications left out, errors beside results', async () => {
    const out = await run([
      call('test_echo', [1], 1),
      { jsonrpc: '2.0', method: 'test_echo' },
      call('nope_x', [], 2),
      7,
      call('test_echo', [3], 3),
    ])
    expect(out).toEqual([
      { jsonrpc: '2.0', id: 1, result: [1] },
      { jsonrpc: '2.0', id: 2, error: { code: -32601, message: 'the method nope_x does not exist/is not available' } },
      { jsonrpc: '2.0', id: null, error: { code: -32600, message: 'invalid request: not a JSON-RPC object' } },
      { jsonrpc: '2.0', id: 3, result: [3] },
    ])
  })

  it('owes nothing for a batch of notifications only', async () => {
    expect(
      await run([
        { jsonrpc: '2.0', method: 'test_echo' },
        { jsonrpc: '2.0', method: 'test_bug' },
      ]),
    ).toBeUndefined()
  })

  it('refuses an empty batch with one -32600', async () => {
    expect(await run([])).toEqual({ jsonrpc: '2.0', id: null, error: { code: -32600, message: 'empty batch' } })
  })

  it('refuses a batch over MAX_BATCH_CALLS whole, running none of it', async () => {
    let ran = 0
    const methods = table({ test_count: () => ++ran })
    const batch = Array.from({ length: MAX_BATCH_CALLS + 1 }, (_, i) => call('test_count', [], i))
    const out = JSON.parse((await dispatch(batch, ctx, { methods })) as string)
    expect(out).toEqual({ jsonrpc: '2.0', id: null, error: { code: -32600, message: 'batch too large: 1001 calls, the limit is 1000' } })
    expect(ran).toBe(0)
    const atLimit = JSON.parse((await dispatch(batch.slice(1), ctx, { methods })) as string)
    expect(atLimit).toHaveLength(MAX_BATCH_CALLS)
    expect(ran).toBe(MAX_BATCH_CALLS)
  })

  it('gives every call of a batch the same deadline, batchTimeoutMs away', async () => {
    const before = performance.now()
    const out = await run([call('test_deadline', [], 1), call('test_deadline', [], 2)], { batchTimeoutMs: 1_000 })
    expect(out[0].result).toBe(out[1].result)
    expect(out[0].result).toBeGreaterThanOrEqual(before + 1_000)
    expect(out[0].result).toBeLessThanOrEqual(performance.now() + 1_000)
  })

  it('answers the calls past the deadline -32002, unrun; notifications past it get nothing', async () => {
    const ran: number[] = []
    const methods = table({
      test_slow: async (params) => {
        ran.push(Number(params[0]))
        await new Promise((resolve) => setTimeout(resolve, 30))
        return params[0]
      },
    })
    const batch = [call('test_slow', [1], 1), call('test_slow', [2], 2), { jsonrpc: '2.0', method: 'test_slow', params: [3] }, 'junk']
    const out = JSON.parse((await dispatch(batch, ctx, { methods, batchTimeoutMs: 10 })) as string)
    expect(out).toEqual([
      { jsonrpc: '2.0', id: 1, result: 1 },
      { jsonrpc: '2.0', id: 2, error: { code: -32002, message: 'request timed out' } },
      { jsonrpc: '2.0', id: null, error: { code: -32002, message: 'request timed out' } },
    ])
    expect(ran).toEqual([1])
  })

  it('answers the calls after the one that crosses the size budget -32003, unrun', async () => {
    let ran = 0
    const methods = table({ test_big: (params) => (ran++, 'x'.repeat(Number(params[0]))) })
    const batch = [call('test_big', [40], 1), call('test_big', [80], 2), call('test_big', [1], 3), call('test_big', [1], 'z')]
    const out = JSON.parse((await dispatch(batch, ctx, { methods, maxResponseBytes: 100 })) as string)
    expect(out.map((r: { id: unknown }) => r.id)).toEqual([1, 2, 3, 'z'])
    expect(out[1].result).toBe('x'.repeat(80))
    expect(out[2].error).toEqual({ code: -32003, message: 'response too large' })
    expect(out[3].error).toEqual({ code: -32003, message: 'response too large' })
    expect(ran).toBe(2)
  })

  it('answers a result that is not JSON as an error of its own call only', async () => {
    const out = await run([call('test_bigint', [], 1), call('test_echo', [2], 2)])
    expect(out).toEqual([
      { jsonrpc: '2.0', id: 1, error: { code: -32603, message: 'internal error' } },
      { jsonrpc: '2.0', id: 2, result: [2] },
    ])
  })

  it('finds methods added to the table after it was handed over', async () => {
    const methods = table()
    const payload = call('late_method')
    expect(JSON.parse((await dispatch(payload, ctx, { methods })) as string).error.code).toBe(-32601)
    methods.set('late_method', () => 'here')
    expect(JSON.parse((await dispatch(payload, ctx, { methods })) as string).result).toBe('here')
  })
})

describe('dispatchText', () => {
  it('answers text that is not JSON -32700 with the parser message', async () => {
    const out = JSON.parse((await dispatchText('{"jsonrpc":', ctx, { methods: table() })) as string)
    expect(out.id).toBeNull()
    expect(out.error.code).toBe(-32700)
    expect(out.error.message).toMatch(/^parse error: /)
  })

  it('answers JSON text as dispatch does', async () => {
    const text = '[{"jsonrpc":"2.0","id":1,"method":"test_echo","params":[1]}]'
    expect(await dispatchText(text, ctx, { methods: table() })).toBe('[{"jsonrpc":"2.0","id":1,"result":[1]}]')
    expect(await dispatchText('{"jsonrpc":"2.0","method":"test_echo"}', ctx, { methods: table() })).toBeUndefined()
  })
})

describe('serializeResponse and tooLargeJson', () => {
  it('turns a body too large into one -32600 naming the limit', () => {
    expect(JSON.parse(tooLargeJson('body', logger))).toEqual({
      jsonrpc: '2.0',
      id: null,
      error: { code: -32600, message: `request body too large: the limit is ${MAX_BODY_BYTES} bytes (5 MB)` },
    })
    expect(JSON.parse(tooLargeJson('message', logger)).error.message).toMatch(/^request message too large/)
  })

  it('keeps the id of a response whose result cannot be serialized', () => {
    expect(JSON.parse(serializeResponse({ jsonrpc: '2.0', id: 5, result: 2n }, logger))).toEqual({
      jsonrpc: '2.0',
      id: 5,
      error: { code: -32603, message: 'internal error' },
    })
  })
})
