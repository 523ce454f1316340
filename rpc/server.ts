/**
 * The JSON-RPC server: HTTP (fastify, http.ts) and WebSocket (`ws`, ws.ts) on one port and path,
 * both answered by one dispatch (dispatch.ts) over one method table, so a call means the same
 * whatever carries it. Here is only the wiring: the namespaces and subscription kinds (plugged in
 * with `register` and `registerSubscription`), the event hub and filters they share, and the
 * order of starting and stopping.
 */
import { type Logger, pino } from 'pino'
import type { ChainApi } from '../chain/types.ts'
import { type DispatchOptions, dispatch, dispatchText } from './dispatch.ts'
import { ethMethods, ethSubscriptions } from './eth.ts'
import { createEventHub } from './eventHub.ts'
import { createFilterStore } from './filters.ts'
import { createHttpApp } from './http.ts'
import { netMethods } from './net.ts'
import type { RpcContext, RpcMethod, RpcMethods, SubscriptionHandler } from './types.ts'
import { web3Methods } from './web3.ts'
import { createWsTransport } from './ws.ts'

// The bounds of a request, where they have always been importable from.
export { BATCH_TIMEOUT_MS, MAX_BATCH_CALLS, MAX_BODY_BYTES, MAX_DRAIN_BYTES, MAX_RESPONSE_BYTES } from './dispatch.ts'
export { MAX_SUBSCRIPTIONS_PER_CONNECTION, MAX_WS_BUFFERED_BYTES, WS_PING_INTERVAL_MS } from './ws.ts'

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
  /**
   * Methods that replace standard ones of the same name (the dev node's `eth_accounts`, which
   * otherwise answers `[]`); registered last. A name no namespace has is added.
   */
  overrides?: RpcMethods
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
  const table: DispatchOptions = { methods, batchTimeoutMs: opts.batchTimeoutMs, maxResponseBytes: opts.maxResponseBytes }
  const app = createHttpApp({ chain, logger, handle: (text) => dispatchText(text, baseCtx, table) })
  const ws = createWsTransport({
    baseCtx,
    subscriptionKinds,
    maxSubscriptionsPerConnection: opts.maxSubscriptionsPerConnection,
    handle: (text, ctx) => dispatchText(text, ctx, table),
  })
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
  for (const [name, fn] of Object.entries(opts.overrides ?? {})) methods.set(name, fn)
  for (const [k, h] of Object.entries(ethSubscriptions)) registerSubscription(k, h)
  for (const [k, h] of Object.entries(opts.subscriptions ?? {})) registerSubscription(k, h)

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
      app.server.on('upgrade', ws.onUpgrade)
      await app.listen({ host: opts.host, port: opts.port })
      const addr = app.server.address()
      if (addr && typeof addr === 'object') boundPort = addr.port
      events.attach()
      filters.start()
      ws.startPings()
      listening = true
    },
    async close() {
      filters.stop()
      events.detach()
      await ws.close()
      await app.close()
      listening = false
    },
    register,
    registerSubscription,
    handle: async (payload) => {
      const text = await dispatch(payload, baseCtx, table)
      return text === undefined ? undefined : JSON.parse(text)
    },
  }
}
