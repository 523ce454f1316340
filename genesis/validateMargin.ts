/**
 * Validates the `margin` section of a genesis file. Every refusal names its JSON path. The bounds
 * are governance's own (genesis/riskParamBounds.ts, correlationBounds.ts, systemBounds.ts), so a
 * genesis can hold nothing a proposal could not; underlying prices and vols are within the
 * oracle's caps (execution/oracle/priceBounds.ts).
 */
import type { Hex } from 'viem'
import { numberToWad, parseWad } from '../lib/fixed.ts'
import { isForbiddenKey, isRecord, scanJson, unknownKey } from '../lib/jsonKeys.ts'
import {
  type Asset,
  type Instrument,
  InvalidMarketError,
  type Market,
  patchRiskParams,
  type RiskParams,
  type Underlying,
} from '../risk/index.ts'
import type { GenesisBalances, MarginGenesis } from '../state/system/types.ts'
import { GenesisError } from './errors.ts'
import { DEV_FUNDING, patchFunding } from './fundingBounds.ts'
import { lendingOf, patchLending } from './lendingParams.ts'
import { checkListingBounds, LISTING_OFF, patchListing } from './listingBounds.ts'
import { priceInBounds, volInBounds } from './priceBounds.ts'
import { checkRiskParamBounds } from './riskParamBounds.ts'
import { checkSystemBounds } from './systemBounds.ts'

function onlyKeys(v: Record<string, unknown>, keys: string[], path: string): void {
  const k = unknownKey(v, keys)
  if (k !== undefined) throw new GenesisError(`${path}.${k}`, 'unknown field')
}

function address(v: unknown, path: string): Hex {
  if (typeof v !== 'string' || !/^0x[0-9a-fA-F]{40}$/.test(v)) throw new GenesisError(path, 'must be a 20-byte 0x address')
  return v.toLowerCase() as Hex
}

function addressList(v: unknown, path: string): Hex[] {
  if (!Array.isArray(v)) throw new GenesisError(path, 'must be an array of addresses')
  const out = v.map((a, i) => address(a, `${path}[${i}]`))
  if (new Set(out).size !== out.length) throw new GenesisError(path, 'holds an address twice')
  return out.sort()
}

function posInt(v: unknown, path: string, min = 1): number {
  if (typeof v !== 'number' || !Number.isSafeInteger(v) || v < min) throw new GenesisError(path, `must be an integer ≥ ${min}`)
  return v
}

function finite(v: unknown, path: string): number {
  if (typeof v !== 'number' || !Number.isFinite(v)) throw new GenesisError(path, 'must be a finite number')
  return v
}

function str(v: unknown, path: string): string {
  if (typeof v !== 'string' || v.length === 0) throw new GenesisError(path, 'must be a non-empty string')
  return v
}

/** A symbol: also a key of `scanRange`/`haircut`, so never a name objects inherit. */
function symbol(v: unknown, path: string): string {
  const s = str(v, path)
  if (isForbiddenKey(s)) throw new GenesisError(path, `may not be ${JSON.stringify(s)}`)
  return s
}

/** A figure the oracle could have accepted: price in [10^-8, 10^12] USD, vol in [0.0001, 10]. */
function oracleFigure(v: number, kind: 'price' | 'vol', path: string): number {
  const ok = kind === 'price' ? priceInBounds(numberToWad(v)) : volInBounds(numberToWad(v))
  if (!ok) throw new GenesisError(path, kind === 'price' ? 'must be in [1e-8, 1e12]' : 'must be in [0.0001, 10]')
  return v
}

function uniqueIds<T extends { id: number }>(list: T[], path: string): void {
  const seen = new Set<number>()
  list.forEach((x, i) => {
    if (seen.has(x.id)) throw new GenesisError(`${path}[${i}].id`, `duplicate id ${x.id}`)
    seen.add(x.id)
  })
}

function parseMarket(v: unknown, path: string): Market {
  if (!isRecord(v)) throw new GenesisError(path, 'must be an object')
  onlyKeys(v, ['underlyings', 'assets', 'instruments'], path)
  if (!Array.isArray(v.underlyings)) throw new GenesisError(`${path}.underlyings`, 'must be an array')
  if (!Array.isArray(v.assets)) throw new GenesisError(`${path}.assets`, 'must be an array')
  if (!Array.isArray(v.instruments)) throw new GenesisError(`${path}.instruments`, 'must be an array')
  const underlyings: Underlying[] = v.underlyings.map((u, i) => {
    const p = `${path}.underlyings[${i}]`
    if (!isRecord(u)) throw new GenesisError(p, 'must be an object')
    onlyKeys(u, ['id', 'symbol', 'price', 'vol'], p)
    const price = finite(u.price, `${p}.price`)
    const vol = finite(u.vol, `${p}.vol`)
    if (price <= 0) throw new GenesisError(`${p}.price`, 'must be positive')
    if (vol <= 0) throw new GenesisError(`${p}.vol`, 'must be positive')
    oracleFigure(price, 'price', `${p}.price`)
    oracleFigure(vol, 'vol', `${p}.vol`)
    return { id: posInt(u.id, `${p}.id`), symbol: symbol(u.symbol, `${p}.symbol`), price, vol }
  })
  uniqueIds(underlyings, `${path}.underlyings`)
  const symbols = new Set(underlyings.map((u) => u.symbol))
  const assets: Asset[] = v.assets.map((a, i) => {
    const p = `${path}.assets[${i}]`
    if (!isRecord(a)) throw new GenesisError(p, 'must be an object')
    onlyKeys(a, ['id', 'symbol', 'decimals', 'underlying', 'price'], p)
    const underlying = a.underlying === null || a.underlying === undefined ? null : str(a.underlying, `${p}.underlying`)
    if (underlying !== null && !symbols.has(underlying)) throw new GenesisError(`${p}.underlying`, `unknown underlying ${underlying}`)
    if (underlying === null && a.price === undefined) throw new GenesisError(`${p}.price`, 'is required when underlying is null')
    const asset: Asset = {
      id: posInt(a.id, `${p}.id`),
      symbol: symbol(a.symbol, `${p}.symbol`),
      decimals: posInt(a.decimals, `${p}.decimals`, 0),
      underlying,
    }
    if (a.price !== undefined) asset.price = oracleFigure(finite(a.price, `${p}.price`), 'price', `${p}.price`)
    return asset
  })
  uniqueIds(assets, `${path}.assets`)
  const instruments: Instrument[] = v.instruments.map((x, i) => {
    const p = `${path}.instruments[${i}]`
    if (!isRecord(x)) throw new GenesisError(p, 'must be an object')
    onlyKeys(x, ['id', 'name', 'type', 'underlying', 'strike', 'expiry', 'kind'], p)
    const underlying = str(x.underlying, `${p}.underlying`)
    if (!symbols.has(underlying)) throw new GenesisError(`${p}.underlying`, `unknown underlying ${underlying}`)
    if (x.type === 'perp') return { id: posInt(x.id, `${p}.id`), name: str(x.name, `${p}.name`), type: 'perp', underlying }
    if (x.type !== 'option') throw new GenesisError(`${p}.type`, 'must be "perp" or "option"')
    if (x.kind !== 'call' && x.kind !== 'put') throw new GenesisError(`${p}.kind`, 'must be "call" or "put"')
    const strike = finite(x.strike, `${p}.strike`)
    if (strike <= 0) throw new GenesisError(`${p}.strike`, 'must be positive')
    return {
      id: posInt(x.id, `${p}.id`),
      name: str(x.name, `${p}.name`),
      type: 'option',
      underlying,
      strike,
      expiry: posInt(x.expiry, `${p}.expiry`),
      kind: x.kind,
    }
  })
  uniqueIds(instruments, `${path}.instruments`)
  return { underlyings, assets, instruments }
}

function parseBalances(v: unknown, path: string, market: Market): GenesisBalances {
  if (!isRecord(v)) throw new GenesisError(path, 'must be an object of asset symbol → amount')
  const out: GenesisBalances = {}
  for (const symbol of Object.keys(v).sort()) {
    if (!market.assets.some((a) => a.symbol === symbol)) throw new GenesisError(`${path}.${symbol}`, 'unknown asset')
    const amount = v[symbol]
    if (typeof amount !== 'string') throw new GenesisError(`${path}.${symbol}`, 'must be a decimal string in whole units')
    try {
      out[symbol] = parseWad(amount)
    } catch (err) {
      throw new GenesisError(`${path}.${symbol}`, (err as Error).message)
    }
  }
  return out
}

/**
 * Parses `margin` (markets, riskParams, protocols, oracle, council, funding, listing, lending,
 * accounts); `funding` may be left out (SPEC 6.3's dev defaults) or name either member.
 *
 * @throws GenesisError naming the first bad field.
 */
export function parseMarginGenesis(v: unknown, path = 'margin'): MarginGenesis {
  if (!isRecord(v)) throw new GenesisError(path, 'must be an object')
  const forbidden = scanJson(v, path).forbidden
  if (forbidden !== undefined) throw new GenesisError(forbidden, 'forbidden key')
  onlyKeys(v, ['market', 'riskParams', 'protocols', 'oracle', 'council', 'funding', 'listing', 'lending', 'accounts'], path)
  const market = parseMarket(v.market, `${path}.market`)
  if (!isRecord(v.riskParams)) throw new GenesisError(`${path}.riskParams`, 'is required and must be an object')
  let riskParams: RiskParams
  try {
    riskParams = patchRiskParams(EMPTY_PARAMS, v.riskParams, `${path}.riskParams`)
  } catch (err) {
    if (err instanceof InvalidMarketError) {
      throw new GenesisError(err.field, err.shortMessage.slice(err.field.length + 2))
    }
    throw err
  }
  checkRiskParamBounds(riskParams, market, (field, problem) => new GenesisError(`${path}.riskParams.${field}`, problem))
  if (!isRecord(v.oracle)) throw new GenesisError(`${path}.oracle`, 'is required')
  onlyKeys(v.oracle, ['feeders', 'threshold', 'maxMove'], `${path}.oracle`)
  const feeders = addressList(v.oracle.feeders, `${path}.oracle.feeders`)
  const threshold = posInt(v.oracle.threshold, `${path}.oracle.threshold`)
  const maxMove = finite(v.oracle.maxMove, `${path}.oracle.maxMove`)
  if (!isRecord(v.council)) throw new GenesisError(`${path}.council`, 'is required')
  onlyKeys(v.council, ['members', 'quorum', 'timelockBlocks'], `${path}.council`)
  const members = addressList(v.council.members, `${path}.council.members`)
  const quorum = posInt(v.council.quorum, `${path}.council.quorum`)
  const timelockBlocks = posInt(v.council.timelockBlocks, `${path}.council.timelockBlocks`, 0)
  // No `listing`: nothing is listed as time passes (the dev genesis has one, SPEC 6.4).
  const genesisFail = (field: string, problem: string) => new GenesisError(`${path}.${field}`, problem)
  const listing = v.listing === undefined ? LISTING_OFF : patchListing(LISTING_OFF, v.listing, genesisFail)
  checkListingBounds(listing, market, genesisFail)
  const accounts: MarginGenesis['accounts'] = {}
  if (v.accounts !== undefined) {
    if (!isRecord(v.accounts)) throw new GenesisError(`${path}.accounts`, 'must be an object')
    for (const a of Object.keys(v.accounts).sort()) {
      accounts[address(a, `${path}.accounts.${a}`)] = parseBalances(v.accounts[a], `${path}.accounts.${a}`, market)
    }
  }
  const config: MarginGenesis['config'] = {
    market,
    riskParams,
    protocols: v.protocols === undefined ? [] : addressList(v.protocols, `${path}.protocols`),
    oracle: { feeders, threshold, maxMove },
    council: { members, quorum, timelockBlocks },
    funding:
      v.funding === undefined
        ? { ...DEV_FUNDING }
        : patchFunding(DEV_FUNDING, v.funding, (field, problem) => new GenesisError(`${path}.${field}`, problem)),
    listing,
    lending:
      v.lending === undefined
        ? lendingOf(market, undefined)
        : patchLending(market, undefined, v.lending, (field, problem) => new GenesisError(`${path}.${field}`, problem)),
  }
  checkSystemBounds(config, (field, problem) => new GenesisError(`${path}.${field}`, problem))
  return { config, accounts }
}

/** A complete-looking base so the genesis's riskParams must name every parameter. */
const EMPTY_PARAMS: RiskParams = {
  scanRange: {},
  spotShocks: [],
  volShocks: [],
  extremeMultiple: Number.NaN,
  extremeCover: Number.NaN,
  volFloor: Number.NaN,
  shortOptionMinimum: Number.NaN,
  haircut: {},
  imMultiplier: Number.NaN,
  riskRate: Number.NaN,
  es: { enabled: false, confidence: Number.NaN, horizonSeconds: Number.NaN, paths: Number.NaN, correlation: {} },
  maxOracleAge: Number.NaN,
  liquidationPenalty: Number.NaN,
  liquidationBuffer: Number.NaN,
}
