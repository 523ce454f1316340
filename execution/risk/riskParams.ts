import { isForbiddenKey } from '../../lib/jsonKeys.ts'
import { InvalidMarketError } from './errors.ts'
import type { Market, RiskParams } from './types.ts'

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v)
}

function fail(field: string, reason: string): never {
  throw new InvalidMarketError({ field, reason })
}

function num(v: unknown, field: string): number {
  if (typeof v !== 'number' || !Number.isFinite(v)) fail(field, 'expected a finite number')
  return v
}

function numberMap(
  base: Record<string, number>,
  patch: unknown,
  field: string,
): Record<string, number> {
  if (!isObject(patch)) fail(field, 'expected an object of numbers')
  const out = { ...base }
  for (const k of Object.keys(patch).sort()) {
    // `out.__proto__ = 0.1` would be dropped in silence (or change the prototype).
    if (isForbiddenKey(k)) fail(`${field}.${k}`, 'forbidden key')
    out[k] = num(patch[k], `${field}.${k}`)
  }
  return out
}

function numberList(patch: unknown, field: string): number[] {
  if (!Array.isArray(patch) || patch.length === 0) fail(field, 'expected a non-empty array of numbers')
  return patch.map((v, i) => num(v, `${field}[${i}]`))
}

const SCALARS = [
  'extremeMultiple', 'extremeCover', 'volFloor', 'shortOptionMinimum', 'imMultiplier', 'riskRate',
  'maxOracleAge', 'liquidationPenalty', 'liquidationBuffer',
] as const

/**
 * Applies a patch of SPEC section 6's parameters (`{"haircut": {"WETH": 0.2}}`): objects merge by
 * key, arrays and scalars replace. Unknown names or wrong types throw InvalidMarketError naming
 * `params.<path>`. Bounds are governance's business (SPEC section 7), not checked here.
 *
 * @example patchRiskParams(devRiskParams, { es: { enabled: false } })
 */
export function patchRiskParams(base: RiskParams, patch: unknown, prefix = 'params'): RiskParams {
  if (!isObject(patch)) fail(prefix, 'expected an object')
  const out: RiskParams = { ...base, es: { ...base.es } }
  for (const key of Object.keys(patch)) {
    const v = patch[key]
    const field = `${prefix}.${key}`
    if (key === 'scanRange' || key === 'haircut') out[key] = numberMap(base[key], v, field)
    else if (key === 'spotShocks' || key === 'volShocks') out[key] = numberList(v, field)
    else if ((SCALARS as readonly string[]).includes(key)) {
      out[key as (typeof SCALARS)[number]] = num(v, field)
    } else if (key === 'es') {
      if (!isObject(v)) fail(field, 'expected an object')
      for (const k of Object.keys(v)) {
        const f = `${field}.${k}`
        if (k === 'enabled') {
          if (typeof v.enabled !== 'boolean') fail(f, 'expected true or false')
          out.es.enabled = v.enabled
        } else if (k === 'confidence' || k === 'horizonSeconds' || k === 'paths') out.es[k] = num(v[k], f)
        else if (k === 'correlation') out.es.correlation = numberMap(base.es.correlation, v[k], f)
        else fail(f, 'unknown parameter')
      }
    } else fail(field, 'unknown parameter')
  }
  return out
}

/**
 * Applies `{"underlyings": {"ETH": {"price": 3000, "vol": 0.6}}}` (the CLI's `--market` file)
 * to a market: listed underlyings get the new price and/or vol; others keep theirs.
 */
export function patchMarketPrices(base: Market, patch: unknown, prefix = 'market'): Market {
  if (!isObject(patch)) fail(prefix, 'expected an object { underlyings }')
  for (const key of Object.keys(patch)) if (key !== 'underlyings') fail(`${prefix}.${key}`, 'unknown field')
  const unds = patch.underlyings ?? {}
  if (!isObject(unds)) fail(`${prefix}.underlyings`, 'expected an object keyed by symbol')
  for (const symbol of Object.keys(unds)) {
    if (!base.underlyings.some((u) => u.symbol === symbol)) {
      fail(`${prefix}.underlyings.${symbol}`, 'unknown underlying')
    }
  }
  const underlyings = base.underlyings.map((u) => {
    const p = unds[u.symbol]
    if (p === undefined) return u
    const field = `${prefix}.underlyings.${u.symbol}`
    if (!isObject(p)) fail(field, 'expected { price, vol }')
    for (const k of Object.keys(p)) if (k !== 'price' && k !== 'vol') fail(`${field}.${k}`, 'unknown field')
    const price = p.price === undefined ? u.price : num(p.price, `${field}.price`)
    const vol = p.vol === undefined ? u.vol : num(p.vol, `${field}.vol`)
    if (!(price > 0)) fail(`${field}.price`, 'must be > 0')
    if (!(vol > 0)) fail(`${field}.vol`, 'must be > 0')
    return { ...u, price, vol }
  })
  return { ...base, underlyings }
}
