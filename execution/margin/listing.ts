/**
 * Markets that stay alive (SPEC 6.4): at the start of every block, the expiries of the governed
 * `listing` schedule that have entered the window are listed for each underlying with a tick,
 * calls and puts at strikes round(S·(1 + p)) to the tick, S the oracle's index price in state.
 *
 * An (underlying, expiry) is listed once: when the window holds it and no option on that
 * underlying expires then yet (listed by an earlier block, the genesis or a proposal), so its
 * strikes are fixed by the index of the block it entered in, and a weekly that is also its month's
 * last Friday is one expiry. New instruments take the next free ids in the order (underlying id,
 * expiry, strike, call before put), named as SPEC 5; nothing is ever removed (expired options
 * settle as before). The listed market never exceeds `SYSTEM_BOUNDS.instruments.max`: an expiry
 * that would is left out until room is made (never, today: instruments are not removed).
 *
 * Consensus: integer date and strike math (risk/expiries.ts), block timestamps only, and the
 * result written into the governed config (state/system/governanceStore.ts) as a proposal's
 * `instruments.add` is, so every node and the kernel see the same instruments.
 */
import type { StateManagerInterface } from '@ethereumjs/common'
import { checkSystemBounds, SYSTEM_BOUNDS } from '../../genesis/systemBounds.ts'
import { numberToWad, wadToNumber } from '../../lib/fixed.ts'
import { type Instrument, instrumentName, listingStrikeWad, listingWindow } from '../../risk/index.ts'
import { writeGovernedConfig } from '../../state/system/governanceStore.ts'
import type { GovernedConfig } from '../../state/system/types.ts'
import type { MarginEnv } from './types.ts'

/** One (underlying, expiry) the schedule wants listed and nothing lists yet. */
export interface DueExpiry {
  underlying: string
  underlyingId: number
  /** Unix seconds. */
  expiry: number
}

const key = (underlying: string, expiry: number) => `${underlying}\u0000${expiry}`

/**
 * The expiries due at `timestamp`: in the schedule's window, on an underlying with a tick, with
 * no option of that underlying at that expiry yet; in (underlying id, expiry) order.
 */
export function dueExpiries(config: GovernedConfig, timestamp: number): DueExpiry[] {
  const listing = config.listing
  if (listing === undefined || listing.strikesPct.length === 0) return []
  const window = listingWindow(timestamp, listing.weekly, listing.monthly)
  if (window.length === 0) return []
  const listed = new Set<string>()
  for (const i of config.market.instruments) if (i.type === 'option') listed.add(key(i.underlying, i.expiry!))
  const out: DueExpiry[] = []
  const underlyings = [...config.market.underlyings].sort((a, b) => a.id - b.id)
  for (const u of underlyings) {
    if (!Object.hasOwn(listing.tick, u.symbol)) continue
    for (const expiry of window) {
      if (expiry > SYSTEM_BOUNDS.instruments.expiry.hi) continue
      if (!listed.has(key(u.symbol, expiry))) out.push({ underlying: u.symbol, underlyingId: u.id, expiry })
    }
  }
  return out
}

/**
 * The instruments to list for `due` at index prices `priceWad` (by underlying id; an underlying
 * without a price is left for a later block), with ids from max id + 1. Pure.
 *
 * @example
 * planListing(config, dueExpiries(config, t), new Map([[1, 3000n * 10n ** 18n]]))
 * // [{ id: 27, name: 'ETH-20261204-2400-C', … }, { id: 28, name: 'ETH-20261204-2400-P', … }, …]
 */
export function planListing(config: GovernedConfig, due: readonly DueExpiry[], priceWad: ReadonlyMap<number, bigint>): Instrument[] {
  const listing = config.listing
  const existing = config.market.instruments
  const names = new Set(existing.map((i) => i.name))
  let nextId = existing.reduce((m, i) => Math.max(m, i.id), 0) + 1
  let room = SYSTEM_BOUNDS.instruments.max - existing.length
  const pctWads = listing.strikesPct.map(numberToWad)
  const strikeHi = numberToWad(SYSTEM_BOUNDS.instruments.strike.hi)
  const out: Instrument[] = []
  for (const d of due) {
    const price = priceWad.get(d.underlyingId) ?? 0n
    if (price <= 0n) continue
    const tickWad = numberToWad(listing.tick[d.underlying])
    const strikes = [...new Set(pctWads.map((p) => listingStrikeWad(price, p, tickWad)))]
      .filter((s) => s > 0n && s <= strikeHi)
      .sort((a, b) => (a < b ? -1 : a > b ? 1 : 0))
    const group: Instrument[] = []
    for (const s of strikes) {
      for (const kind of ['call', 'put'] as const) {
        const spec = { type: 'option' as const, underlying: d.underlying, strike: wadToNumber(s), expiry: d.expiry, kind }
        const name = instrumentName(spec)
        if (names.has(name)) continue
        group.push({ id: 0, name, ...spec })
      }
    }
    if (group.length > room) break
    for (const inst of group) {
      inst.id = nextId++
      names.add(inst.name)
      out.push(inst)
    }
    room -= group.length
  }
  return out
}

/**
 * Lists what is due at `timestamp` in `state` (the block's, before its transactions) and writes
 * the grown market into the governed config. Reads the oracle only when something is due.
 *
 * @returns the instruments listed (none in most blocks).
 */
export async function listDueExpiries(state: StateManagerInterface, env: MarginEnv, timestamp: bigint): Promise<Instrument[]> {
  const config = await env.config(state)
  const due = dueExpiries(config, Number(timestamp))
  if (due.length === 0) return []
  const feeds = await env.prices(
    state,
    [...new Set(due.map((d) => d.underlyingId))].sort((a, b) => a - b),
  )
  const prices = new Map<number, bigint>()
  for (const [id, f] of feeds) prices.set(id, f.priceWad)
  const listed = planListing(config, due, prices)
  if (listed.length === 0) return []
  const next: GovernedConfig = { ...config, market: { ...config.market, instruments: [...config.market.instruments, ...listed] } }
  checkSystemBounds(next, (field, problem) => new Error(`listing: ${field}: ${problem}`))
  await writeGovernedConfig(state, next)
  return listed
}
