/**
 * The JSON-RPC server: HTTP (fastify) and WebSocket (`ws`) on one port and path, batches,
 * notifications, CORS, the 5 MB body and 1,000-call batch limits. Namespaces and subscription
 * kinds plug in with `register` and `registerSubscription`.
 */
import { randomBytes } from 'node:crypto'
import type { IncomingMessage } from 'node:http'
import type { Duplex } from 'node:stream'
import cors from '@fastify/cors'
import Fastify, { type FastifyInstance } from 'fastify'
import { pino, type Logger } from 'pino'
import { WebSocketServer, type WebSocket } from 'ws'
import type { ChainApi, ChainEvents, Hex } from '../chain/types.ts'
import {
  InvalidParamsError,
  InvalidRequestError,
  MethodNotFoundError,
  ParseError,
  type RpcError,
  toRpcError,
} from './errors.ts'
import { ethMethods, ethSubscriptions } from './eth.ts'
import { createFilterStore } from './filters.ts'
import { netMethods } from './net.ts'
import type {
  ChainEventSource,
  RpcConnection,
  RpcContext,
  RpcMethod,
  RpcMethods,
  SubscriptionHandler,
  Unsubscribe,
} from './types.ts'
import { web3Methods } from './web3.ts'

/** Largest request body (HTTP) or message (WebSocket), in bytes. */
export const MAX_BODY_BYTES = 5 * 1024 * 1024
/** Most calls in one batch. */
export const MAX_BATCH_CALLS = 1000
/** A WebSocket client whose unsent notifications exceed this many bytes is disconnected. */
export const MAX_WS_BUFFERED_BYTES = 64 * 1024 * 1024

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

/** Fans chain events out to many listeners through one listener per event on the chain. */
function createEventHub(chain: ChainApi, logger: Logger) {
  const listeners = { block: new Set<Function>(), pendingTransaction: new Set<Function>() }
  const fire =
    (event: keyof ChainEvents) =>
    (...args: unknown[]): void => {
      for (const fn of listeners[event]) {
        try {
          fn(...args)
        } catch (err) {
          logger.error({ err, event }, 'rpc event listener failed')
        }
      }
    }
  const onBlock = fire('block') as ChainEvents['block']
  const onPending = fire('pendingTransaction') as ChainEvents['pendingTransaction']
  const hub: ChainEventSource & { attach(): void; detach(): void } = {
    on: (event, fn) => void listeners[event].add(fn),
    off: (event, fn) => void listeners[event].delete(fn),
    attach() {
      chain.on('block', onBlock)
      chain.on('pendingTransaction', onPending)
    },
    detach() {
      chain.off('block', onBlock)
      chain.off('pendingTransaction', onPending)
      listeners.block.clear()
      listeners.pendingTransaction.clear()
    },
  }
  return hub
}

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
      return errorResponse(null, new InvalidRequestError('invalid request: id must be a string, number or null'))
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

  /** A payload (object or batch) → the response value, or undefined when nothing is owed. */
  async function handle(payload: unknown, ctx: RpcContext = baseCtx): Promise<unknown> {
    if (!Array.isArray(payload)) return callOne(payload, ctx)
    if (payload.length === 0) return errorResponse(null, new InvalidRequestError('empty batch'))
    if (payload.length > MAX_BATCH_CALLS) {
      return errorResponse(
        null,
        new InvalidRequestError(
          `batch too large: ${payload.length} calls, the limit is ${MAX_BATCH_CALLS}`,
        ),
      )
    }
    // In order, one after the other, as geth does: a batch of transactions from one sender
    // reaches the mempool in nonce order.
    const out: RpcResponse[] = []
    for (const call of payload) {
      const res = await callOne(call, ctx)
      if (res) out.push(res)
    }
    return out.length > 0 ? out : undefined
  }

  /** Serializes a response; a non-JSON result (a bug) becomes an internal error. */
  function serialize(res: unknown): string {
    try {
      return JSON.stringify(res)
    } catch (err) {
      logger.error({ err }, 'JSON-RPC result is not serializable')
      return JSON.stringify(errorResponse(null, toRpcError(err).error))
    }
  }

  async function handleText(text: string, ctx: RpcContext): Promise<string | undefined> {
    let payload: unknown
    try {
      payload = JSON.parse(text)
    } catch (err) {
      return serialize(errorResponse(null, new ParseError((err as Error).message)))
    }
    const res = await handle(payload, ctx)
    return res === undefined ? undefined : serialize(res)
  }

  // ---------------------------------------------------------------------------------- HTTP
  const app: FastifyInstance = Fastify({
    logger: false,
    bodyLimit: MAX_BODY_BYTES,
    forceCloseConnections: true,
  })
  app.register(cors, {
    origin: '*',
    methods: ['GET', 'POST', 'OPTIONS'],
    allowedHeaders: ['content-type', 'authorization'],
    maxAge: 86_400,
  })
  // Our own parser for every content type (and none): the body is JSON-RPC whatever the header.
  app.removeAllContentTypeParsers()
  app.addContentTypeParser('*', { parseAs: 'string' }, (_req, body, done) => done(null, body))

  const sendJson = (reply: import('fastify').FastifyReply, status: number, body: string) =>
    reply.code(status).header('content-type', 'application/json').send(body)

  app.setErrorHandler((err: { code?: string; statusCode?: number; message: string }, _req, reply) => {
    if (err.code === 'FST_ERR_CTP_BODY_TOO_LARGE') {
      const e = new InvalidRequestError(
        `request body too large: the limit is ${MAX_BODY_BYTES} bytes (5 MB)`,
      )
      return sendJson(reply, 413, serialize(errorResponse(null, e)))
    }
    if (err.statusCode && err.statusCode < 500) {
      return sendJson(reply, err.statusCode, serialize(errorResponse(null, new InvalidRequestError(`invalid request: ${err.message}`))))
    }
    logger.error({ err }, 'HTTP request failed')
    return sendJson(reply, 500, serialize(errorResponse(null, toRpcError(err).error)))
  })
  app.setNotFoundHandler((_req, reply) =>
    sendJson(reply, 404, serialize(errorResponse(null, new InvalidRequestError('not found: POST JSON-RPC to /')))),
  )

  const post = async (req: import('fastify').FastifyRequest, reply: import('fastify').FastifyReply) => {
    const body = req.body
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
  app.get('/', health)
  app.get('/health', health)

  // ----------------------------------------------------------------------------- WebSocket
  const wss = new WebSocketServer({ noServer: true, maxPayload: MAX_BODY_BYTES })

  function onConnection(ws: WebSocket): void {
    const subs = new Map<string, Unsubscribe>()
    const notify = (id: Hex, result: unknown): void => {
      if (ws.readyState !== ws.OPEN) return
      if (ws.bufferedAmount > MAX_WS_BUFFERED_BYTES) {
        logger.warn({ buffered: ws.bufferedAmount }, 'slow WebSocket client disconnected')
        ws.terminate()
        return
      }
      ws.send(serialize({ jsonrpc: '2.0', method: 'eth_subscription', params: { subscription: id, result } }))
    }
    const connection: RpcConnection = {
      async subscribe(kind, args) {
        const handler = subscriptionKinds.get(kind)
        if (!handler) throw new InvalidParamsError(`no "${String(kind).slice(0, 50)}" subscription in eth namespace`)
        const id = `0x${randomBytes(16).toString('hex')}` as Hex
        let ready = false
        const early: unknown[] = []
        // Notifications go out only after the subscription id has been answered.
        const stop = await handler(args, ctx, (result) => (ready ? notify(id, result) : early.push(result)))
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
    ws.on('message', (data, isBinary) => {
      const text = Array.isArray(data)
        ? Buffer.concat(data).toString('utf8')
        : Buffer.from(data as ArrayBuffer).toString('utf8')
      void isBinary
      handleText(text, ctx).then(
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
      app.server.on('clientError', (_err, socket) => {
        if (socket.writable) socket.end('HTTP/1.1 400 Bad Request\r\nconnection: close\r\n\r\n')
        else socket.destroy()
      })
      await app.listen({ host: opts.host, port: opts.port })
      const addr = app.server.address()
      if (addr && typeof addr === 'object') boundPort = addr.port
      events.attach()
      filters.start()
      listening = true
    },
    async close() {
      filters.stop()
      events.detach()
      for (const ws of wss.clients) ws.terminate()
      await new Promise<void>((resolve) => wss.close(() => resolve()))
      await app.close()
      listening = false
    },
    register,
    registerSubscription,
    handle: (payload) => handle(payload),
  }
}
