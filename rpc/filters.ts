/**
 * Polling filters (eth_newFilter, eth_newBlockFilter, eth_newPendingTransactionFilter,
 * eth_getFilterChanges, eth_getFilterLogs, eth_uninstallFilter), the way viem's `watch*` actions
 * use them over HTTP. A filter not polled for `ttlMs` is dropped, as geth does after 5 minutes.
 */
import { randomBytes } from 'node:crypto'
import type { Block } from '@ethereumjs/block'
import { bytesToHex } from '@ethereumjs/util'
import { logMatches } from '../state/logFilter.ts'
import type { Hex, StoredLog, StoredReceipt } from '../state/types.ts'
import { ServerError } from './errors.ts'
import type { ChainEventSource } from './eventHub.ts'
import type { RawLogFilter } from './params.ts'

/** Most items one filter buffers between polls; older ones are dropped first. */
export const MAX_FILTER_BUFFER = 10_000
/** Most filters installed at once (all callers together); the oldest idle ones expire first. */
export const MAX_FILTERS = 10_000

/**
 * Does a log match an address list and a topic filter (null or [] = any; a list = any of)? The
 * one matcher of state/logFilter.ts, so eth_getLogs, filters and subscriptions agree on `[[]]`
 * and on mixed-case addresses.
 */
export function matchLog(log: StoredLog, addresses: Hex[] | undefined, topics: (Hex | Hex[] | null)[] | undefined): boolean {
  return logMatches(log, { addresses, topics })
}

/** A polling filter as stored. */
export type Filter =
  | { kind: 'logs'; criteria: RawLogFilter; buffer: StoredLog[]; lastPoll: number }
  | { kind: 'blocks'; buffer: Hex[]; lastPoll: number }
  | { kind: 'pendingTransactions'; buffer: Hex[]; lastPoll: number }

/** The store of polling filters of one server. */
export interface FilterStore {
  /** Installs a filter and returns its id (16 random bytes, 0x hex, as geth). */
  install(filter: Filter['kind'], criteria?: RawLogFilter): Hex
  /** The filter with this id, or undefined (also marks it as polled). */
  get(id: string): Filter | undefined
  /** Returns and clears what arrived since the last poll; undefined for an unknown id. */
  takeChanges(id: string): StoredLog[] | Hex[] | undefined
  uninstall(id: string): boolean
  /** Starts listening to chain events and expiring filters. */
  start(): void
  /** Stops listening and drops every filter. */
  stop(): void
  readonly size: number
}

/**
 * Creates the filter store of one server.
 *
 * @param events chain events to buffer from
 * @param ttlMs how long an unpolled filter lives (geth: 5 minutes)
 */
export function createFilterStore(events: ChainEventSource, ttlMs = 5 * 60_000): FilterStore {
  const filters = new Map<string, Filter>()
  let timer: NodeJS.Timeout | undefined

  const push = <T>(buffer: T[], item: T): void => {
    buffer.push(item)
    if (buffer.length > MAX_FILTER_BUFFER) buffer.splice(0, buffer.length - MAX_FILTER_BUFFER)
  }

  const onBlock = (block: Block, receipts: StoredReceipt[]): void => {
    if (filters.size === 0) return
    const hash = bytesToHex(block.hash())
    const n = block.header.number
    for (const f of filters.values()) {
      if (f.kind === 'blocks') push(f.buffer, hash)
      else if (f.kind === 'logs') {
        const c = f.criteria
        if (c.blockHash !== undefined && c.blockHash !== hash) continue
        if (typeof c.fromBlock === 'bigint' && n < c.fromBlock) continue
        if (typeof c.toBlock === 'bigint' && n > c.toBlock) continue
        for (const r of receipts) {
          for (const log of r.logs) if (matchLog(log, c.addresses, c.topics)) push(f.buffer, log)
        }
      }
    }
  }
  const onPending = (hash: Hex): void => {
    for (const f of filters.values()) if (f.kind === 'pendingTransactions') push(f.buffer, hash)
  }
  const sweep = (): void => {
    const now = Date.now()
    for (const [id, f] of filters) if (now - f.lastPoll > ttlMs) filters.delete(id)
  }

  return {
    install(kind, criteria) {
      if (filters.size >= MAX_FILTERS) {
        sweep()
        if (filters.size >= MAX_FILTERS) throw new ServerError(`too many filters (${MAX_FILTERS})`)
      }
      const id = bytesToHex(randomBytes(16))
      const lastPoll = Date.now()
      if (kind === 'logs') filters.set(id, { kind, criteria: criteria ?? {}, buffer: [], lastPoll })
      else filters.set(id, { kind, buffer: [], lastPoll })
      return id
    },
    get(id) {
      const f = filters.get(id.toLowerCase())
      if (f) f.lastPoll = Date.now()
      return f
    },
    takeChanges(id) {
      const f = this.get(id)
      if (!f) return undefined
      const out = f.buffer
      f.buffer = []
      return out
    },
    uninstall: (id) => filters.delete(id.toLowerCase()),
    start() {
      events.on('block', onBlock)
      events.on('pendingTransaction', onPending)
      timer = setInterval(sweep, Math.min(ttlMs, 30_000))
      timer.unref()
    },
    stop() {
      events.off('block', onBlock)
      events.off('pendingTransaction', onPending)
      if (timer) clearInterval(timer)
      filters.clear()
    },
    get size() {
      return filters.size
    },
  }
}
