/**
 * The chain's events (new blocks, pending transactions) fanned out to every RPC listener through
 * one listener per event on the chain: subscriptions and filters attach here, not to the node.
 */
import type { Logger } from 'pino'
import type { ChainApi, ChainEvents } from '../chain/types.ts'

/** Chain events fanned out to any number of RPC listeners (one listener on the chain itself). */
export interface ChainEventSource {
  on<E extends keyof ChainEvents>(event: E, fn: ChainEvents[E]): void
  off<E extends keyof ChainEvents>(event: E, fn: ChainEvents[E]): void
}

/** Fans chain events out to many listeners through one listener per event on the chain. */
export function createEventHub(chain: ChainApi, logger: Logger) {
  // biome-ignore lint/complexity/noBannedTypes: listeners of either event, each called with that event's own arguments
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
