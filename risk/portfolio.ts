import { parseWad, wadToNumber } from '../lib/fixed.ts'
import type { BookEntry } from './accountBook.ts'
import { InvalidPortfolioError } from './errors.ts'
import { instrumentName } from './instrumentName.ts'
import type { MarketState } from './marketState.ts'
import type { Instrument, Market, OptionKind } from './types.ts'

/**
 * A portfolio as `margin_simulate` and `unimargin risk` take it (SPEC section 5): `asset` is an
 * id or a symbol; `instrument` an id, a name, or an inline option. Amounts are decimal strings
 * in whole units (numbers are accepted too).
 */
export interface PortfolioInput {
  balances?: Array<{ asset: number | string; amount: string | number }>
  positions?: Array<{
    instrument: number | string | InlineOption
    size: string | number
    entryPrice?: string | number
  }>
}

/** An option named by its terms; `expiry` in unix seconds or an ISO-8601 date string. */
export interface InlineOption {
  type: 'option'
  underlying: string
  strike: number | string
  expiry: number | string
  kind: OptionKind
}

/**
 * The most one portfolio may hold (`margin_simulate`, `unimargin risk`): the kernel's work grows
 * with positions and, through the risk arrays each one adds, with distinct inline options.
 */
export const PORTFOLIO_LIMITS = {
  balances: 64,
  positions: 256,
  /** Distinct options named inline rather than by a listed id or name. */
  inlineOptions: 64,
} as const

/** A portfolio resolved to ids, plus the market extended with any inline options it named. */
export interface ResolvedPortfolio {
  market: Market
  balances: Array<{ assetId: number; amount: number }>
  positions: Array<{ instrumentId: number; size: number; entryPrice?: number }>
}

function fail(field: string, reason: string): never {
  throw new InvalidPortfolioError({ field, reason })
}

function readNumber(v: unknown, field: string): number {
  if (typeof v === 'number') {
    if (!Number.isFinite(v)) fail(field, 'not a finite number')
    return v
  }
  if (typeof v === 'string') {
    try {
      return wadToNumber(parseWad(v))
    } catch {
      fail(field, `not a decimal amount: "${v}"`)
    }
  }
  return fail(field, 'expected a decimal string or a number')
}

function readExpiry(v: unknown, field: string): number {
  if (typeof v === 'number' && Number.isInteger(v)) return v
  if (typeof v === 'string') {
    if (/^\d+$/.test(v)) return Number(v)
    const ms = Date.parse(v)
    if (Number.isFinite(ms) && /^\d{4}-\d{2}-\d{2}/.test(v)) return Math.floor(ms / 1000)
  }
  return fail(field, 'expected unix seconds or an ISO-8601 date')
}

/**
 * Resolves `input` against `market`. Unknown assets/instruments, bad amounts or a malformed
 * shape throw {@link InvalidPortfolioError} naming the field (`positions[1].instrument`). An
 * inline option that matches a listed one resolves to it; otherwise it is added to the returned
 * market with a fresh id above the listed ones.
 *
 * @example resolvePortfolio({ positions: [{ instrument: 'ETH-PERP', size: '-4' }] }, devMarket)
 */
export function resolvePortfolio(input: unknown, market: Market): ResolvedPortfolio {
  if (typeof input !== 'object' || input === null || Array.isArray(input)) {
    fail('portfolio', 'expected an object { balances, positions }')
  }
  const raw = input as Record<string, unknown>
  for (const key of Object.keys(raw)) {
    if (key !== 'balances' && key !== 'positions') fail(key, 'unknown field')
  }
  const extra: Instrument[] = []
  let nextId = 1
  for (const i of market.instruments) nextId = Math.max(nextId, i.id + 1)

  const balances: ResolvedPortfolio['balances'] = []
  const rawBalances = raw.balances ?? []
  if (!Array.isArray(rawBalances)) fail('balances', 'expected an array')
  if (rawBalances.length > PORTFOLIO_LIMITS.balances) {
    fail('balances', `too many: ${rawBalances.length}, the limit is ${PORTFOLIO_LIMITS.balances}`)
  }
  rawBalances.forEach((b: unknown, k: number) => {
    const field = `balances[${k}]`
    if (typeof b !== 'object' || b === null) fail(field, 'expected { asset, amount }')
    const { asset, amount } = b as Record<string, unknown>
    const found = market.assets.find((a) => (typeof asset === 'number' ? a.id === asset : typeof asset === 'string' && a.symbol === asset))
    if (!found) fail(`${field}.asset`, `unknown asset ${JSON.stringify(asset)}`)
    balances.push({ assetId: found.id, amount: readNumber(amount, `${field}.amount`) })
  })

  const positions: ResolvedPortfolio['positions'] = []
  const rawPositions = raw.positions ?? []
  if (!Array.isArray(rawPositions)) fail('positions', 'expected an array')
  if (rawPositions.length > PORTFOLIO_LIMITS.positions) {
    fail('positions', `too many: ${rawPositions.length}, the limit is ${PORTFOLIO_LIMITS.positions}`)
  }
  rawPositions.forEach((p: unknown, k: number) => {
    const field = `positions[${k}]`
    if (typeof p !== 'object' || p === null) fail(field, 'expected { instrument, size, entryPrice? }')
    const { instrument, size, entryPrice } = p as Record<string, unknown>
    let id: number
    if (typeof instrument === 'number' || typeof instrument === 'string') {
      const found = [...market.instruments, ...extra].find((i) =>
        typeof instrument === 'number' ? i.id === instrument : i.name === instrument,
      )
      if (!found) fail(`${field}.instrument`, `unknown instrument ${JSON.stringify(instrument)}`)
      id = found.id
    } else if (typeof instrument === 'object' && instrument !== null) {
      const spec = readInlineOption(instrument as Record<string, unknown>, `${field}.instrument`, market)
      const same = (i: Instrument) =>
        i.type === 'option' &&
        i.underlying === spec.underlying &&
        i.strike === spec.strike &&
        i.expiry === spec.expiry &&
        i.kind === spec.kind
      const found = market.instruments.find(same) ?? extra.find(same)
      if (found) id = found.id
      else {
        if (extra.length >= PORTFOLIO_LIMITS.inlineOptions) {
          fail(`${field}.instrument`, `too many distinct inline options, the limit is ${PORTFOLIO_LIMITS.inlineOptions}`)
        }
        id = nextId++
        extra.push({ id, name: instrumentName(spec), ...spec })
      }
    } else fail(`${field}.instrument`, 'expected an id, a name or an inline option')
    positions.push({
      instrumentId: id,
      size: readNumber(size, `${field}.size`),
      ...(entryPrice === undefined ? {} : { entryPrice: readNumber(entryPrice, `${field}.entryPrice`) }),
    })
  })
  const extended = extra.length ? { ...market, instruments: [...market.instruments, ...extra] } : market
  return { market: extended, balances, positions }
}

function readInlineOption(
  o: Record<string, unknown>,
  field: string,
  market: Market,
): { type: 'option'; underlying: string; strike: number; expiry: number; kind: OptionKind } {
  if (o.type !== 'option') fail(`${field}.type`, 'inline instruments must be {type: "option", …}')
  if (typeof o.underlying !== 'string' || !market.underlyings.some((u) => u.symbol === o.underlying)) {
    fail(`${field}.underlying`, `unknown underlying ${JSON.stringify(o.underlying)}`)
  }
  const strike = readNumber(o.strike, `${field}.strike`)
  if (!(strike > 0)) fail(`${field}.strike`, 'must be > 0')
  if (o.kind !== 'call' && o.kind !== 'put') fail(`${field}.kind`, 'expected "call" or "put"')
  return {
    type: 'option',
    underlying: o.underlying,
    strike,
    expiry: readExpiry(o.expiry, `${field}.expiry`),
    kind: o.kind,
  }
}

/**
 * Maps a resolved portfolio onto the items of `state` (built from `resolved.market`). A perp
 * without `entryPrice` is entered at the current spot (no P&L yet).
 */
export function toBookEntries(resolved: ResolvedPortfolio, state: MarketState): BookEntry[] {
  const entries: BookEntry[] = []
  for (const b of resolved.balances) {
    entries.push({ item: state.itemByAssetId.get(b.assetId) as number, size: b.amount })
  }
  for (const p of resolved.positions) {
    const item = state.itemByInstrumentId.get(p.instrumentId) as number
    const spot = state.spot[state.itemUnderlying[item]]
    entries.push({ item, size: p.size, entryPrice: p.entryPrice ?? spot })
  }
  return entries
}
