/**
 * Keys a JSON document from a user may not hold, and the walk that finds them. `JSON.parse`
 * makes `"__proto__"` an own property, but the first plain assignment (`out[k] = v`) or
 * object spread into a normal object turns it into a prototype change: the member silently
 * vanishes, or worse, the object inherits what the user chose. Refusing the three names
 * anywhere in a document, and copying accepted documents into null-prototype objects, closes
 * that door for every merge downstream.
 */

/** Object keys refused at any depth of a user's document. */
export const FORBIDDEN_KEYS: readonly string[] = ['__proto__', 'constructor', 'prototype']

/** True for `__proto__`, `constructor` and `prototype`. */
export function isForbiddenKey(key: string): boolean {
  return FORBIDDEN_KEYS.includes(key)
}

/** What {@link scanJson} found. */
export interface JsonScan {
  /** Path of the first forbidden key met (`es.correlation.__proto__`), if any. */
  forbidden?: string
  /** Deepest nesting of objects and arrays (a scalar is 0, `{}` is 1). */
  depth: number
}

const child = (path: string, key: string) => (path === '' ? key : `${path}.${key}`)

/**
 * Walks a parsed JSON value (iteratively, so no nesting overflows the stack) and reports the
 * first forbidden key, depth first, in document order, and the nesting depth.
 *
 * @param root path prefix of `value` (`''` for the document itself, `margin` for a section).
 * @example scanJson(JSON.parse('{"es":{"__proto__":{}}}')) // { forbidden: 'es.__proto__', depth: 2 }
 */
export function scanJson(value: unknown, root = ''): JsonScan {
  let depth = 0
  const stack: [unknown, string, number][] = [[value, root, 0]]
  while (stack.length > 0) {
    const [v, path, d] = stack.pop()!
    if (typeof v !== 'object' || v === null) continue
    if (d + 1 > depth) depth = d + 1
    const next: [unknown, string, number][] = []
    if (Array.isArray(v)) v.forEach((x, i) => next.push([x, `${path}[${i}]`, d + 1]))
    else {
      for (const k of Object.keys(v)) {
        if (isForbiddenKey(k)) return { forbidden: child(path, k), depth }
        next.push([(v as Record<string, unknown>)[k], child(path, k), d + 1])
      }
    }
    for (let i = next.length - 1; i >= 0; i--) stack.push(next[i])
  }
  return { depth }
}

/**
 * A deep copy of a parsed JSON value whose objects have no prototype, so no later read
 * (`obj.constructor`, `obj.toString`) finds an inherited member. Recursive: bound the depth
 * first ({@link scanJson}).
 */
export function nullProtoCopy(value: unknown): unknown {
  if (typeof value !== 'object' || value === null) return value
  if (Array.isArray(value)) return value.map(nullProtoCopy)
  const out: Record<string, unknown> = Object.create(null)
  for (const k of Object.keys(value)) out[k] = nullProtoCopy((value as Record<string, unknown>)[k])
  return out
}

/** A JSON object (not null, not an array). */
export function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v)
}

/** The first key of `v` not among `keys`, in document order, if any. */
export function unknownKey(v: Record<string, unknown>, keys: readonly string[]): string | undefined {
  return Object.keys(v).find((k) => !keys.includes(k))
}
