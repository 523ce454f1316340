/**
 * How the dashboard prints the node's decimal strings: rounded on the decimal digits
 * themselves (never through a float), half away from zero, with thousands separators and a
 * true minus sign. Pure; shared by the page and its tests.
 */

/**
 * Rounds a decimal string (`"-1250.505"`) to `decimals` places, half away from zero, exactly.
 *
 * @example roundDecimal('116882.793119913936', 2) // '116882.79'
 */
export function roundDecimal(text: string, decimals = 2): string {
  const m = /^(-)?(\d+)(?:\.(\d+))?$/.exec(text.trim())
  if (!m) return text
  const [, neg, whole, frac = ''] = m
  const padded = (frac + '0'.repeat(decimals + 1)).slice(0, decimals + 1)
  let digits = BigInt(whole + padded.slice(0, decimals))
  if (Number(padded[decimals]) >= 5) digits += 1n
  const s = digits.toString().padStart(decimals + 1, '0')
  const int = s.slice(0, s.length - decimals)
  const out = decimals > 0 ? `${int}.${s.slice(s.length - decimals)}` : int
  return neg && /[1-9]/.test(out) ? `-${out}` : out
}

/**
 * A decimal string for display: rounded, thousands separated, `−` for minus.
 *
 * @example formatFigure('-1234567.891') // '−1,234,567.89'
 */
export function formatFigure(text: string | null | undefined, decimals = 2): string {
  if (text === null || text === undefined || text === '') return '—'
  const r = roundDecimal(text, decimals)
  const neg = r.startsWith('-')
  const [int, frac] = (neg ? r.slice(1) : r).split('.')
  const grouped = int.replace(/\B(?=(\d{3})+(?!\d))/g, ',')
  return `${neg ? '−' : ''}${grouped}${frac !== undefined ? `.${frac}` : ''}`
}

/** A fraction as a percentage (`0.6` → `60.0%`), `digits` after the point. */
export function formatPercent(text: string | number | null | undefined, digits = 1): string {
  if (text === null || text === undefined || text === '') return '—'
  const x = Number(text) * 100
  if (!Number.isFinite(x)) return '—'
  const s = Math.abs(x).toFixed(digits)
  return `${x < 0 && Number(s) !== 0 ? '−' : ''}${s}%`
}

/** A signed percentage (`+4.2%`, `−91.1%`). */
export function formatSignedPercent(x: number, digits = 1): string {
  if (!Number.isFinite(x)) return '—'
  const s = Math.abs(x * 100).toFixed(digits)
  if (Number(s) === 0) return `${s}%`
  return `${x < 0 ? '−' : '+'}${s}%`
}

/** Seconds as a short age: `4 s`, `3 min`, `2 h`, `5 d`. */
export function formatAge(seconds: number): string {
  if (!Number.isFinite(seconds)) return '—'
  const s = Math.max(0, Math.round(seconds))
  if (s < 120) return `${s} s`
  if (s < 7200) return `${Math.round(s / 60)} min`
  if (s < 172_800) return `${Math.round(s / 3600)} h`
  return `${Math.round(s / 86_400)} d`
}

/** `0x1234…abcd`. */
export function shortAddress(address: string): string {
  return address.length > 12 ? `${address.slice(0, 6)}…${address.slice(-4)}` : address
}
