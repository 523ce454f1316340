import type { OptionKind } from './types.ts'

/**
 * The listed name of an instrument (SPEC section 5): `ETH-PERP`, or for an option
 * underlying-expiry date (UTC, YYYYMMDD)-strike-C/P, e.g. `ETH-20261231-3000-C`.
 */
export function instrumentName(spec: {
  type: 'perp' | 'option'
  underlying: string
  strike?: number
  expiry?: number
  kind?: OptionKind
}): string {
  if (spec.type === 'perp') return `${spec.underlying}-PERP`
  const d = new Date((spec.expiry ?? 0) * 1000)
  const ymd =
    String(d.getUTCFullYear()).padStart(4, '0') + String(d.getUTCMonth() + 1).padStart(2, '0') + String(d.getUTCDate()).padStart(2, '0')
  return `${spec.underlying}-${ymd}-${spec.strike}-${spec.kind === 'put' ? 'P' : 'C'}`
}
