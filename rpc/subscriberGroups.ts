/**
 * Subscriptions that ask for the same thing share its per-block work: subscribers are grouped by
 * a key (an account, a canonical log filter), one chain listener serves every group while any
 * subscriber is left, and each group's result is computed once and handed to all its members.
 */
import type { RpcContext, Unsubscribe } from './types.ts'

/** Delivers one notification to one subscriber. */
export type Emit = (result: unknown) => void

/** One key's subscribers and what they asked for. */
export interface SubscriberGroup<V> {
  readonly key: string
  readonly value: V
  readonly emits: ReadonlySet<Emit>
}

/**
 * Subscribers grouped by key, with one listener on the chain (started by `attach` when the first
 * subscriber comes, stopped when the last goes).
 *
 * @example
 * const groups = new SubscriberGroups<Hex>(() => { events.on('block', fn); return () => events.off('block', fn) })
 * const stop = groups.add(address, address, emit)
 */
export class SubscriberGroups<V> {
  private readonly groups = new Map<string, { key: string; value: V; emits: Set<Emit> }>()
  private detach?: () => void

  constructor(private readonly attach: () => () => void) {}

  /** Adds a subscriber to `key`'s group (made with `value` if new); returns how to remove it. */
  add(key: string, value: V, emit: Emit): Unsubscribe {
    let group = this.groups.get(key)
    if (group === undefined) {
      group = { key, value, emits: new Set() }
      this.groups.set(key, group)
    }
    // Its own function, so one emit subscribed twice counts twice.
    const member: Emit = (result) => emit(result)
    group.emits.add(member)
    if (this.detach === undefined) this.detach = this.attach()
    const joined = group
    return () => {
      joined.emits.delete(member)
      if (joined.emits.size === 0 && this.groups.get(key) === joined) this.groups.delete(key)
      if (this.groups.size === 0 && this.detach !== undefined) {
        this.detach()
        this.detach = undefined
      }
    }
  }

  /** The groups with a subscriber, by key. */
  list(): SubscriberGroup<V>[] {
    return [...this.groups.values()].sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0))
  }

  /** How many groups there are (distinct keys with a subscriber). */
  get size(): number {
    return this.groups.size
  }
}

/**
 * Hands `result` to every member of `group`; one member's failure does not stop the others.
 */
export function deliver(group: SubscriberGroup<unknown>, result: unknown, onError: (err: unknown) => void): void {
  for (const emit of group.emits) {
    try {
      emit(result)
    } catch (err) {
      onError(err)
    }
  }
}

/**
 * One `SubscriberGroups` per server (keyed by its event hub), made on first use: a subscription
 * kind is a plain handler, registered with any number of servers.
 */
export function groupsPer<V>(make: (ctx: RpcContext) => SubscriberGroups<V>): (ctx: RpcContext) => SubscriberGroups<V> {
  const byHub = new WeakMap<object, SubscriberGroups<V>>()
  return (ctx) => {
    let groups = byHub.get(ctx.events)
    if (groups === undefined) {
      groups = make(ctx)
      byHub.set(ctx.events, groups)
    }
    return groups
  }
}
