/**
 * The shapes a JSON-RPC namespace is written against: a method is a function of its raw params
 * and a context; a subscription kind is a function that starts pushing and returns how to stop.
 */
import type { Logger } from 'pino'
import type { ChainApi } from '../chain/types.ts'
import type { Hex } from '../state/types.ts'
import type { ChainEventSource } from './eventHub.ts'
import type { FilterStore } from './filters.ts'

/** The WebSocket connection a call arrived on; subscriptions live and die with it. */
export interface RpcConnection {
  /** Starts a subscription of `kind` (registered with `registerSubscription`); returns its id. */
  subscribe(kind: string, args: unknown[]): Promise<Hex>
  /** Stops a subscription of this connection; false when it has no such id. */
  unsubscribe(id: string): boolean
}

/** What every method handler is given besides its params. */
export interface RpcContext {
  readonly chain: ChainApi
  /** Chain events (`block`, `pendingTransaction`), safe to listen to per subscription. */
  readonly events: ChainEventSource
  /** Polling filters (eth_newFilter & co.), shared by HTTP and WS callers. */
  readonly filters: FilterStore
  /** Set when the call came over WebSocket; undefined over HTTP. */
  readonly connection?: RpcConnection
  /**
   * `performance.now()` time by which the request's work must end: set for the calls of a batch,
   * which share one budget (eth_call and eth_estimateGas stop there).
   */
  readonly deadline?: number
  readonly logger: Logger
}

/**
 * One JSON-RPC method. `params` is the raw `params` array (`[]` when absent). Return a
 * JSON-ready value (quantities already 0x hex); throw an RpcError or a domain error to fail.
 *
 * @example
 * const margin_ping: RpcMethod = (params) => { arity(params, 0, 0); return 'pong' }
 */
export type RpcMethod = (params: unknown[], ctx: RpcContext) => unknown

/** A namespace: method name → handler, e.g. `{ margin_getAccount, margin_getRiskReport }`. */
export type RpcMethods = Record<string, RpcMethod>

/** Stops a subscription; called on eth_unsubscribe and when its connection closes. */
export type Unsubscribe = () => void

/**
 * One `eth_subscribe` kind. `args` are the params after the kind name (for
 * `eth_subscribe("marginHealth", "0xabc…")`: `["0xabc…"]`); validate them and throw
 * InvalidParamsError before starting. Call `emit(result)` for every notification.
 *
 * @example
 * const newHeads: SubscriptionHandler = (args, ctx, emit) => {
 *   const fn = (block) => emit(formatHeader(block.header))
 *   ctx.events.on('block', fn)
 *   return () => ctx.events.off('block', fn)
 * }
 */
export type SubscriptionHandler = (args: unknown[], ctx: RpcContext, emit: (result: unknown) => void) => Unsubscribe | Promise<Unsubscribe>
