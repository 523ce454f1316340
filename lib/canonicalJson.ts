/**
 * Canonical JSON: object keys sorted (by UTF-16 code units, as `Array.prototype.sort` does),
 * no whitespace, numbers as ECMAScript prints them (the shortest round-trip decimal, which the
 * language specifies exactly). The same value always encodes to the same bytes, so a document
 * kept in state gives the same state root on every node.
 */

function canonical(value: unknown, path: string): unknown {
  if (value === null || typeof value === 'string' || typeof value === 'boolean') return value
  if (typeof value === 'number') {
    if (!Number.isFinite(value)) throw new RangeError(`canonicalJson: ${path || '(root)'} is not a finite number`)
    return value
  }
  if (Array.isArray(value)) return value.map((v, i) => canonical(v === undefined ? null : v, `${path}[${i}]`))
  if (typeof value === 'object') {
    // No prototype: a `__proto__` member stays a member instead of becoming the prototype.
    const out: Record<string, unknown> = Object.create(null)
    for (const k of Object.keys(value).sort()) {
      const v = (value as Record<string, unknown>)[k]
      if (v !== undefined) out[k] = canonical(v, path ? `${path}.${k}` : k)
    }
    return out
  }
  throw new TypeError(`canonicalJson: ${path || '(root)'} has type ${typeof value}`)
}

/**
 * Encodes `value` as canonical JSON text. `undefined` members are left out (as JSON.stringify
 * does); non-finite numbers, bigints and functions throw.
 *
 * @example canonicalJson({ b: 1, a: [2, { d: 0, c: 'x' }] }) // '{"a":[2,{"c":"x","d":0}],"b":1}'
 */
export function canonicalJson(value: unknown): string {
  return JSON.stringify(canonical(value, ''))
}
