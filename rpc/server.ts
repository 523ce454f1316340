/**
 * The JSON-RPC server: HTTP (fastify) and WebSocket (`ws`) on one port and path, batches,
 * notifications, CORS, and the bounds of a request: a 5 MB body, 1,000 calls and one 5 s time
 * budget per batch, 25 MB per answer. Namespaces and subscription kinds plug in with `register`
 * and `registerSubscription`.
 */
import { randomBytes } from 'node:crypto'
import type { IncomingMessage } from 'node:http'
import type { Duplex } from 'node:stream'
import Fastify, { type FastifyInstance } from 'fastify'
import { type Logger, pino } from 'pino'
import { type WebSocket, WebSocketServer } from 'ws'
import type { ChainApi } from '../chain/types.ts'
import type { Hex } from '../state/types.ts'
import { registerDashboard } from './dashboard/serve.ts'
import {
  InvalidParamsError,
  InvalidRequestError,
  MethodNotFoundError,
  ParseError,
  RequestTimeoutError,
  ResponseTooLargeError,
  type RpcError,
  TooManySubscriptionsError,
  toRpcError,
} from './errors.ts'
import { ethMethods, ethSubscriptions } from './eth.ts'
import { createEventHub } from './eventHub.ts'
import { createFilterStore } from './filters.ts'
import { netMethods } from './net.ts'
import type { RpcConnection, RpcContext, RpcMethod, RpcMethods, SubscriptionHandler, Unsubscribe } from './types.ts'
import { web3Methods } from './web3.ts'

/** Largest request body (HTTP) or message (WebSocket), in bytes. */
export const MAX_BODY_BYTES = 5 * 1024 * 1024
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
/**
 * Most live subscriptions on one WebSocket connection (geth and Anvil set none; reth 1,024); one
 * more is refused with -32006.
 */
export const MAX_SUBSCRIPTIONS_PER_CONNECTION = 100
/** A batch lets the event loop run between its calls after holding it this long, ms. */
const BATCH_YIELD_AFTER_MS = 4
/** A WebSocket client whose unsent notifications exceed this many bytes is disconnected. */
export const MAX_WS_BUFFERED_BYTES = 64 * 1024 * 1024
/** A body over the limit is still read (and dropped) up to this size, then the socket is closed. */
export const MAX_DRAIN_BYTES = 64 * 1024 * 1024
/** Interval of WebSocket pings; a client that has not answered the previous one is dropped. */
export const WS_PING_INTERVAL_MS = 30_000

/** Options of `createRpcServer`. */
export interface RpcServerOptions {
  chain: ChainApi
  /** Interface to bind, e.g. `127.0.0.1`. */
  host: string
  /** TCP port; 0 picks a free one (read `url` after `listen`). */
  port: number
  /** Defaults to a silent logger. */
  logger?: Logger
  /** Extra namespaces besides eth_, net_ and web3_ (same as calling `register`). */
  methods?: RpcMethods
  /** Extra subscription kinds besides newHeads, logs and newPendingTransactions. */
  subscriptions?: Record<string, SubscriptionHandler>
  /** Idle lifetime of polling filters in ms (default 5 minutes). */
  filterTtlMs?: number
  /** Time budget of one batch, ms (default `BATCH_TIMEOUT_MS`). */
  batchTimeoutMs?: number
  /** Most bytes of one answer (default `MAX_RESPONSE_BYTES`). */
  maxResponseBytes?: number
  /** Most subscriptions on one WebSocket connection (default `MAX_SUBSCRIPTIONS_PER_CONNECTION`). */
  maxSubscriptionsPerConnection?: number
}

/** A running (or ready to run) JSON-RPC server. */
export interface RpcServer {
  /** `http://host:port` (the bound port once listening). */
  readonly url: string
  /** `ws://host:port`. */
  readonly wsUrl: string
  listen(): Promise<void>
  /** Closes WebSocket clients, drops subscriptions and filters, stops listening. */
  close(): Promise<void>
  /** Adds methods (a namespace); throws if a name is already registered. */
  register(methods: RpcMethods): void
  /** Adds an `eth_subscribe` kind; throws if the kind is already registered. */
  registerSubscription(kind: string, handler: SubscriptionHandler): void
  /** Dispatches one parsed JSON-RPC payload (object or batch) as HTTP would; for tests/tools. */
  handle(payload: unknown): Promise<unknown>
}

/** The parsed body of a request over MAX_BODY_BYTES. */
const TOO_LARGE = Symbol('request body too large')

/** The error fastify itself raises for an oversized body; the error handler answers it. */
function bodyTooLarge(): Error {
  return Object.assign(new Error('request body too large'), {
    code: 'FST_ERR_CTP_BODY_TOO_LARGE',
    statusCode: 413,
  })
}

interface RpcResponse {
  jsonrpc: '2.0'
  id: string | number | null
  result?: unknown
  error?: ReturnType<RpcError['toJSON']>
}

const errorResponse = (id: RpcResponse['id'], error: RpcError): RpcResponse => ({
  jsonrpc: '2.0',
  id,
  error: error.toJSON(),
})

/**
 * Creates the JSON-RPC server of a node.
 *
 * @example
 * const rpc = createRpcServer({ chain: node, host: '127.0.0.1', port: 8545, logger })
 * rpc.register(marginMethods)                          // a namespace: { margin_getAccount, … }
 * rpc.registerSubscription('marginHealth', marginHealth) // eth_subscribe("marginHealth", addr)
 * await rpc.listen()
 */
export function createRpcServer(opts: RpcServerOptions): RpcServer {
  const { chain } = opts
  const logger = opts.logger ?? pino({ level: 'silent' })
  const methods = new Map<string, RpcMethod>()
  const subscriptionKinds = new Map<string, SubscriptionHandler>()
  const events = createEventHub(chain, logger)
  const filters = createFilterStore(events, opts.filterTtlMs)
  const baseCtx: RpcContext = { chain, events, filters, logger }
  const batchTimeoutMs = opts.batchTimeoutMs ?? BATCH_TIMEOUT_MS
  const maxResponseBytes = opts.maxResponseBytes ?? MAX_RESPONSE_BYTES
  const maxSubscriptions = opts.maxSubscriptionsPerConnection ?? MAX_SUBSCRIPTIONS_PER_CONNECTION
  let boundPort = opts.port
  let listening = false

  const register = (m: RpcMethods): void => {
    for (const name of Object.keys(m)) {
      if (methods.has(name)) throw new Error(`JSON-RPC method ${name} is already registered`)
    }
    for (const [name, fn] of Object.entries(m)) methods.set(name, fn)
  }
  const registerSubscription = (kind: string, handler: SubscriptionHandler): void => {
    if (subscriptionKinds.has(kind)) throw new Error(`subscription ${kind} is already registered`)
    subscriptionKinds.set(kind, handler)
  }
  register(ethMethods)
  register(netMethods)
  register(web3Methods)
  if (opts.methods) register(opts.methods)
  for (const [k, h] of Object.entries(ethSubscriptions)) registerSubscription(k, h)
  for (const [k, h] of Object.entries(opts.subscriptions ?? {})) registerSubscription(k, h)

  /** One call → one response, or undefined for a notification. Never throws. */
  async function callOne(req: unknown, ctx: RpcContext): Promise<RpcResponse | undefined> {
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
      if (isBug) logger.error({ err, method }, 'JSON-RPC handler failed')
      else logger.debug({ method, code: error.code, message: error.shortMessage }, 'JSON-RPC error')
      response = errorResponse(rid, error)
    }
    return hasId ? response : undefined
  }

  /**
   * A payload (object or batch) → the serialized answer, or undefined when nothing is owed. Each
   * response is serialized once, as it is made, so a batch knows its size as it goes.
   */
  async function answer(payload: unknown, ctx: RpcContext): Promise<string | undefined> {
    if (!Array.isArray(payload)) {
      const res = await callOne(payload, ctx)
      if (res === undefined) return undefined
      const text = serialize(res)
      return text.length > maxResponseBytes ? serialize(errorResponse(res.id, new ResponseTooLargeError())) : text
    }
    if (payload.length === 0) return serialize(errorResponse(null, new InvalidRequestError('empty batch')))
    if (payload.length > MAX_BATCH_CALLS) {
      return serialize(
        errorResponse(null, new InvalidRequestError(`batch too large: ${payload.length} calls, the limit is ${MAX_BATCH_CALLS}`)),
      )
    }
    // In order, one after the other, as geth does: a batch of transactions from one sender
    // reaches the mempool in nonce order. The calls share one deadline and one size budget.
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
        if (id !== undefined) parts.push(serialize(errorResponse(id, cut)))
        continue
      }
      if (performance.now() - busySince > BATCH_YIELD_AFTER_MS) {
        await new Promise<void>((resolve) => setImmediate(resolve))
        busySince = performance.now()
      }
      const res = await callOne(call, batchCtx)
      if (res === undefined) continue
      const text = serialize(res)
      parts.push(text)
      bytes += text.length + 1
      if (bytes > maxResponseBytes) cut = new ResponseTooLargeError()
    }
    return parts.length > 0 ? `[${parts.join(',')}]` : undefined
  }

  /** The id a batch entry is owed an answer under; undefined for a notification. */
  function owedId(req: unknown): RpcResponse['id'] | undefined {
    if (typeof req !== 'object' || req === null || Array.isArray(req)) return null
    if (!('id' in req)) return undefined
    const id = (req as { id: unknown }).id
    return typeof id === 'string' || typeof id === 'number' ? id : null
  }

  /**
   * Serializes one response; a result that is not JSON (a bug, e.g. a bigint) becomes an
   * internal error for its own call only, the rest of a batch is answered.
   */
  function serialize(res: RpcResponse | Record<string, unknown>): string {
    try {
      return JSON.stringify(res)
    } catch (err) {
      logger.error({ err }, 'JSON-RPC result is not serializable')
      const id = (res as RpcResponse).id ?? null
      return JSON.stringify(errorResponse(id, toRpcError(err).error))
    }
  }

  async function handleText(text: string, ctx: RpcContext): Promise<string | undefined> {
    let payload: unknown
    try {
      payload = JSON.parse(text)
    } catch (err) {
      return serialize(errorResponse(null, new ParseError((err as Error).message)))
    }
    return answer(payload, ctx)
  }

  // ---------------------------------------------------------------------------------- HTTP
  const app: FastifyInstance = Fastify({
    logger: false,
    // Enforced by our parser below (which drains what is over); this one only backs it up.
    bodyLimit: MAX_DRAIN_BYTES,
    forceCloseConnections: true,
  })
  // CORS for browser wallets and dapps on any origin, as geth's `--http.corsdomain '*'`: every
  // answer allows any origin, a preflight allows the headers it asks for. (A hook instead of
  // @fastify/cors, whose per-request origin resolution cost 2% of a transfer's CPU.)
  app.addHook('onRequest', (_req, reply, done) => {
    reply.header('access-control-allow-origin', '*')
    done()
  })
  const preflight = async (req: import('fastify').FastifyRequest, reply: import('fastify').FastifyReply) =>
    reply
      .code(204)
      .header('access-control-allow-methods', 'GET, POST, OPTIONS')
      .header('access-control-allow-headers', req.headers['access-control-request-headers'] ?? 'content-type, authorization')
      .header('access-control-max-age', '86400')
      .send()
  app.options('/', preflight)
  app.options('/*', preflight)
  // Our own parser for every content type (and none): the body is JSON-RPC whatever the header.
  // A body over the limit is read to its end and dropped, so the client, still sending, gets
  // to read the JSON-RPC error instead of a reset connection (EPIPE in Node's fetch).
  app.removeAllContentTypeParsers()
  app.addContentTypeParser('*', (req, payload, done) => {
    const declared = Number(req.headers['content-length'])
    if (declared > MAX_DRAIN_BYTES) return done(bodyTooLarge(), undefined)
    const chunks: Buffer[] = []
    let size = 0
    let over = false
    payload.on('data', (chunk: Buffer) => {
      size += chunk.length
      if (over) {
        if (size > MAX_DRAIN_BYTES) payload.destroy(bodyTooLarge())
        return
      }
      if (size > MAX_BODY_BYTES) {
        over = true
        chunks.length = 0
        return
      }
      chunks.push(chunk)
    })
    payload.on('end', () => done(null, over ? TOO_LARGE : Buffer.concat(chunks, size).toString('utf8')))
    payload.on('error', (err) => done(err, undefined))
  })

  const tooLargeResponse = (what = 'body'): string =>
    serialize(errorResponse(null, new InvalidRequestError(`request ${what} too large: the limit is ${MAX_BODY_BYTES} bytes (5 MB)`)))
  const sendJson = (reply: import('fastify').FastifyReply, status: number, body: string) =>
    reply.code(status).header('content-type', 'application/json').send(body)

  app.setErrorHandler((err: { code?: string; statusCode?: number; message: string }, _req, reply) => {
    if (err.code === 'FST_ERR_CTP_BODY_TOO_LARGE') return sendJson(reply, 413, tooLargeResponse())
    if (err.statusCode && err.statusCode < 500) {
      const e = new InvalidRequestError(`invalid request: ${err.message}`)
      return sendJson(reply, err.statusCode, serialize(errorResponse(null, e)))
    }
    logger.error({ err }, 'HTTP request failed')
    return sendJson(reply, 500, serialize(errorResponse(null, toRpcError(err).error)))
  })
  app.setNotFoundHandler((_req, reply) =>
    sendJson(reply, 404, serialize(errorResponse(null, new InvalidRequestError('not found: POST JSON-RPC to /')))),
  )

  const post = async (req: import('fastify').FastifyRequest, reply: import('fastify').FastifyReply) => {
    const body = req.body
    if (body === TOO_LARGE) return sendJson(reply, 413, tooLargeResponse())
    const text = typeof body === 'string' ? body : body === undefined || body === null ? '' : String(body)
    const out = await handleText(text, baseCtx)
    if (out === undefined) return reply.code(200).send('')
    return sendJson(reply, 200, out)
  }
  app.post('/', post)
  app.post('/*', post)
  const health = async (_req: unknown, reply: import('fastify').FastifyReply) =>
    sendJson(
      reply,
      200,
      JSON.stringify({
        status: 'ok',
        chainId: `0x${chain.chainId.toString(16)}`,
        blockNumber: `0x${chain.headNumber().toString(16)}`,
        clientVersion: chain.clientVersion,
      }),
    )
  // GET / is the dashboard for a browser (SPEC 10), the health JSON for anything else.
  registerDashboard(app, health)
  app.get('/health', health)

  // ----------------------------------------------------------------------------- WebSocket
  // Messages up to MAX_DRAIN_BYTES are received so that one over MAX_BODY_BYTES gets a JSON-RPC
  // error and the connection stays; larger ones close it (1009).
  const wss = new WebSocketServer({ noServer: true, maxPayload: MAX_DRAIN_BYTES })

  const alive = new WeakMap<WebSocket, boolean>()
  let pingTimer: NodeJS.Timeout | undefined

  /**
   * A notification's JSON. A result shared by many subscriptions (a group's: subscriberGroups.ts)
   * is serialized once, however many connections it goes to.
   */
  const resultJson = new WeakMap<object, string>()
  function notification(id: Hex, result: unknown): string | undefined {
    let json: string | undefined
    try {
      if (typeof result === 'object' && result !== null) {
        json = resultJson.get(result)
        if (json === undefined) {
          json = JSON.stringify(result)
          resultJson.set(result, json)
        }
      } else json = JSON.stringify(result ?? null)
    } catch (err) {
      logger.error({ err }, 'subscription result is not serializable')
      return undefined
    }
    return `{"jsonrpc":"2.0","method":"eth_subscription","params":{"subscription":"${id}","result":${json}}}`
  }

  function onConnection(ws: WebSocket): void {
    const subs = new Map<string, Unsubscribe>()
    /** Subscriptions being set up (their handler awaited): they count against the limit too. */
    let starting = 0
    alive.set(ws, true)
    ws.on('pong', () => alive.set(ws, true))
    const notify = (id: Hex, result: unknown): void => {
      if (ws.readyState !== ws.OPEN) return
      if (ws.bufferedAmount > MAX_WS_BUFFERED_BYTES) {
        logger.warn({ buffered: ws.bufferedAmount }, 'slow WebSocket client disconnected')
        ws.terminate()
        return
      }
      const text = notification(id, result)
      if (text !== undefined) ws.send(text)
    }
    const connection: RpcConnection = {
      async subscribe(kind, args) {
        const handler = subscriptionKinds.get(kind)
        if (!handler) {
          throw new InvalidParamsError(`no "${kind.slice(0, 50)}" subscription in eth namespace`)
        }
        if (subs.size + starting >= maxSubscriptions) throw new TooManySubscriptionsError(maxSubscriptions)
        const id = `0x${randomBytes(16).toString('hex')}` as Hex
        let ready = false
        const early: unknown[] = []
        // Notifications go out only after the subscription id has been answered.
        const emit = (result: unknown) => (ready ? notify(id, result) : early.push(result))
        let stop: Unsubscribe
        starting++
        try {
          stop = await handler(args, ctx, emit)
        } finally {
          starting--
        }
        if (ws.readyState !== ws.OPEN) {
          stop()
          return id
        }
        subs.set(id, stop)
        setImmediate(() => {
          ready = true
          for (const r of early.splice(0)) notify(id, r)
        })
        return id
      },
      unsubscribe(id) {
        const stop = subs.get(id.toLowerCase())
        if (!stop) return false
        subs.delete(id.toLowerCase())
        stop()
        return true
      },
    }
    const ctx: RpcContext = { ...baseCtx, connection }
    ws.on('message', (data) => {
      const buf = Array.isArray(data) ? Buffer.concat(data) : Buffer.isBuffer(data) ? data : Buffer.from(data as ArrayBuffer)
      if (buf.length > MAX_BODY_BYTES) {
        ws.send(tooLargeResponse('message'))
        return
      }
      handleText(buf.toString('utf8'), ctx).then(
        (out) => {
          if (out !== undefined && ws.readyState === ws.OPEN) ws.send(out)
        },
        (err) => logger.error({ err }, 'WebSocket message failed'),
      )
    })
    ws.on('error', (err) => logger.debug({ err }, 'WebSocket error'))
    ws.on('close', () => {
      for (const stop of subs.values()) {
        try {
          stop()
        } catch (err) {
          logger.error({ err }, 'unsubscribe failed')
        }
      }
      subs.clear()
    })
  }
  wss.on('connection', onConnection)

  const onUpgrade = (req: IncomingMessage, socket: Duplex, head: Buffer): void => {
    socket.on('error', () => socket.destroy())
    wss.handleUpgrade(req, socket, head, (ws) => wss.emit('connection', ws, req))
  }

  const hostForUrl = (): string => (opts.host.includes(':') ? `[${opts.host}]` : opts.host)

  return {
    get url() {
      return `http://${hostForUrl()}:${boundPort}`
    },
    get wsUrl() {
      return `ws://${hostForUrl()}:${boundPort}`
    },
    async listen() {
      if (listening) return
      await app.ready()
      app.server.on('upgrade', onUpgrade)
      await app.listen({ host: opts.host, port: opts.port })
      const addr = app.server.address()
      if (addr && typeof addr === 'object') boundPort = addr.port
      events.attach()
      filters.start()
      pingTimer = setInterval(() => {
        for (const ws of wss.clients) {
          if (!alive.get(ws)) {
            ws.terminate()
            continue
          }
          alive.set(ws, false)
          ws.ping()
        }
      }, WS_PING_INTERVAL_MS)
      pingTimer.unref()
      listening = true
    },
    async close() {
      if (pingTimer) clearInterval(pingTimer)
      filters.stop()
      events.detach()
      for (const ws of wss.clients) ws.terminate()
      await new Promise<void>((resolve) => wss.close(() => resolve()))
      await app.close()
      listening = false
    },
    register,
    registerSubscription,
    handle: async (payload) => {
      const text = await answer(payload, baseCtx)
      return text === undefined ? undefined : JSON.parse(text)
    },
  }
}
