/**
 * JSON-RPC dispatch: a request's text or parsed payload (one call or a batch) → the serialized
 * answer, against a method table and a context. No socket here, so every rule of the protocol
 * and every bound of a batch (1,000 calls, one 5 s budget, 25 MB per answer) is the same over
 * HTTP and WebSocket, and can be tested by calling it.
 */
import type { Logger } from 'pino'
import {
  InvalidParamsError,
  InvalidRequestError,
  MethodNotFoundError,
  ParseError,
  RequestTimeoutError,
  ResponseTooLargeError,
  type RpcError,
  toRpcError,
} from './errors.ts'
import type { RpcContext, RpcMethod } from './types.ts'

/** Largest request body (HTTP) or message (WebSocket), in bytes. */
export const MAX_BODY_BYTES = 5 * 1024 * 1024
/** A body over the limit is still read (and dropped) up to this size, then the socket is closed. */
export const MAX_DRAIN_BYTES = 64 * 1024 * 1024
/** Most calls in one batch (geth's `BatchRequestLimit`); a larger batch is refused whole, unrun. */
export const MAX_BATCH_CALLS = 1000
/**
 * Time budget of one batch, ms: its calls share it (an eth_call in it stops at the batch's
 * deadline), and calls not started by then are answered -32002 "request timed out", as geth
 * answers the rest of a batch that overruns its time. The same 5 s as one eth_call.
 */
export const BATCH_TIMEOUT_MS = 5_000
/**
 * Most bytes of one answer (geth's `BatchResponseMaxSize`, 25 MB): a batch's calls after the one
 * that crosses it are answered -32003 "response too large"; a single answer over it is replaced
 * by that error.
 */
export const MAX_RESPONSE_BYTES = 25_000_000
/** A batch lets the event loop run between its calls after holding it this long, ms. */
const BATCH_YIELD_AFTER_MS = 4

/** One JSON-RPC response object. */
export interface RpcResponse {
  jsonrpc: '2.0'
  id: string | number | null
  result?: unknown
  error?: ReturnType<RpcError['toJSON']>
}

/** The method table and the bounds a payload is answered with. */
export interface DispatchOptions {
  /** Method name → handler; looked up at each call, so methods registered later are found. */
  readonly methods: ReadonlyMap<string, RpcMethod>
  /** Time budget of one batch, ms (default `BATCH_TIMEOUT_MS`). */
  readonly batchTimeoutMs?: number
  /** Most bytes of one answer (default `MAX_RESPONSE_BYTES`). */
  readonly maxResponseBytes?: number
}

/** The response carrying `error` for the call `id`. */
export const errorResponse = (id: RpcResponse['id'], error: RpcError): RpcResponse => ({
  jsonrpc: '2.0',
  id,
  error: error.toJSON(),
})

/**
 * Serializes one response; a result that is not JSON (a bug, e.g. a bigint) becomes an
 * internal error for its own call only, so the rest of a batch is still answered.
 */
export function serializeResponse(res: RpcResponse | Record<string, unknown>, logger: Logger): string {
  try {
    return JSON.stringify(res)
  } catch (err) {
    logger.error({ err }, 'JSON-RPC result is not serializable')
    const id = (res as RpcResponse).id ?? null
    return JSON.stringify(errorResponse(id, toRpcError(err).error))
  }
}

/** The answer to a body or message over MAX_BODY_BYTES: the transports refuse it before parsing. */
export function tooLargeJson(what: 'body' | 'message', logger: Logger): string {
  const error = new InvalidRequestError(`request ${what} too large: the limit is ${MAX_BODY_BYTES} bytes (5 MB)`)
  return serializeResponse(errorResponse(null, error), logger)
}

/**
 * Answers a request's text: -32700 when it is not JSON, else as `dispatch`.
 *
 * @example
 * await dispatchText('{"jsonrpc":"2.0","id":1,"method":"net_version"}', ctx, { methods })
 * // '{"jsonrpc":"2.0","id":1,"result":"31338"}'
 */
export async function dispatchText(text: string, ctx: RpcContext, opts: DispatchOptions): Promise<string | undefined> {
  let payload: unknown
  try {
    payload = JSON.parse(text)
  } catch (err) {
    return serializeResponse(errorResponse(null, new ParseError((err as Error).message)), ctx.logger)
  }
  return dispatch(payload, ctx, opts)
}

/**
 * A payload (object or batch) → the serialized answer, or undefined when nothing is owed (a
 * notification, or a batch of them). Each response is serialized once, as it is made, so a batch
 * knows its size as it goes. Never throws.
 */
export async function dispatch(payload: unknown, ctx: RpcContext, opts: DispatchOptions): Promise<string | undefined> {
  const maxResponseBytes = opts.maxResponseBytes ?? MAX_RESPONSE_BYTES
  if (!Array.isArray(payload)) {
    const res = await callOne(payload, ctx, opts.methods)
    if (res === undefined) return undefined
    const text = serializeResponse(res, ctx.logger)
    return text.length > maxResponseBytes ? serializeResponse(errorResponse(res.id, new ResponseTooLargeError()), ctx.logger) : text
  }
  if (payload.length === 0) return serializeResponse(errorResponse(null, new InvalidRequestError('empty batch')), ctx.logger)
  if (payload.length > MAX_BATCH_CALLS) {
    const error = new InvalidRequestError(`batch too large: ${payload.length} calls, the limit is ${MAX_BATCH_CALLS}`)
    return serializeResponse(errorResponse(null, error), ctx.logger)
  }
  return dispatchBatch(payload, ctx, opts.methods, opts.batchTimeoutMs ?? BATCH_TIMEOUT_MS, maxResponseBytes)
}

/**
 * The calls of a batch in order, one after the other, as geth does: a batch of transactions from
 * one sender reaches the mempool in nonce order. The calls share one deadline and one size
 * budget; those past either are answered unrun.
 */
async function dispatchBatch(
  payload: unknown[],
  ctx: RpcContext,
  methods: ReadonlyMap<string, RpcMethod>,
  batchTimeoutMs: number,
  maxResponseBytes: number,
): Promise<string | undefined> {
  const deadline = performance.now() + batchTimeoutMs
  const batchCtx: RpcContext = { ...ctx, deadline }
  const parts: string[] = []
  let bytes = 2
  let cut: RpcError | undefined
  let busySince = performance.now()
  for (const call of payload) {
    if (cut === undefined && performance.now() > deadline) cut = new RequestTimeoutError()
    if (cut !== undefined) {
      // Calls past the budget are answered, unrun; notifications are owed nothing.
      const id = owedId(call)
      if (id !== undefined) parts.push(serializeResponse(errorResponse(id, cut), ctx.logger))
      continue
    }
    // A long batch must not starve other connections, nor the block producer.
    if (performance.now() - busySince > BATCH_YIELD_AFTER_MS) {
      await new Promise<void>((resolve) => setImmediate(resolve))
      busySince = performance.now()
    }
    const res = await callOne(call, batchCtx, methods)
    if (res === undefined) continue
    const text = serializeResponse(res, ctx.logger)
    parts.push(text)
    bytes += text.length + 1
    if (bytes > maxResponseBytes) cut = new ResponseTooLargeError()
  }
  return parts.length > 0 ? `[${parts.join(',')}]` : undefined
}

/** One call → one response, or undefined for a notification. Never throws. */
async function callOne(req: unknown, ctx: RpcContext, methods: ReadonlyMap<string, RpcMethod>): Promise<RpcResponse | undefined> {
  if (typeof req !== 'object' || req === null || Array.isArray(req)) {
    return errorResponse(null, new InvalidRequestError('invalid request: not a JSON-RPC object'))
  }
  const r = req as Record<string, unknown>
  const hasId = 'id' in r
  const id = r.id
  if (hasId && id !== null && typeof id !== 'string' && typeof id !== 'number') {
    const e = new InvalidRequestError('invalid request: id must be a string, number or null')
    return errorResponse(null, e)
  }
  const rid = (hasId ? id : null) as RpcResponse['id']
  if (r.jsonrpc !== '2.0') {
    return errorResponse(rid, new InvalidRequestError('invalid request: jsonrpc must be "2.0"'))
  }
  if (typeof r.method !== 'string' || r.method.length === 0) {
    return errorResponse(rid, new InvalidRequestError('invalid request: method must be a string'))
  }
  const method = r.method
  let response: RpcResponse
  try {
    const fn = methods.get(method)
    if (!fn) throw new MethodNotFoundError(method.length > 100 ? `${method.slice(0, 100)}…` : method)
    let params: unknown[]
    if (r.params === undefined || r.params === null) params = []
    else if (Array.isArray(r.params)) params = r.params
    else throw new InvalidParamsError('non-array args')
    const result = await fn(params, ctx)
    response = { jsonrpc: '2.0', id: rid, result: result === undefined ? null : result }
  } catch (err) {
    const { error, isBug } = toRpcError(err)
    if (isBug) ctx.logger.error({ err, method }, 'JSON-RPC handler failed')
    else ctx.logger.debug({ method, code: error.code, message: error.shortMessage }, 'JSON-RPC error')
    response = errorResponse(rid, error)
  }
  return hasId ? response : undefined
}

/** The id a batch entry is owed an answer under; undefined for a notification. */
function owedId(req: unknown): RpcResponse['id'] | undefined {
  if (typeof req !== 'object' || req === null || Array.isArray(req)) return null
  if (!('id' in req)) return undefined
  const id = (req as { id: unknown }).id
  return typeof id === 'string' || typeof id === 'number' ? id : null
}
