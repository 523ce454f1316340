/// <reference lib="dom" />
/** A ten-line hyperscript: elements with attributes and children, nothing else. */

type Child = Node | string | number | null | undefined | false
type Attrs = Record<string, string | number | boolean | null | undefined>

/**
 * Creates an element. `false`, `null` and `undefined` attributes are left out, `true` is an
 * empty attribute; children that are false-ish are skipped.
 *
 * @example h('td', { class: 'num', 'data-testid': 'equity' }, '1,250.50')
 */
export function h<K extends keyof HTMLElementTagNameMap>(tag: K, attrs: Attrs = {}, ...children: (Child | Child[])[]): HTMLElementTagNameMap[K] {
  const el = document.createElement(tag)
  for (const [k, v] of Object.entries(attrs)) {
    if (v === false || v === null || v === undefined) continue
    el.setAttribute(k, v === true ? '' : String(v))
  }
  for (const c of children.flat()) {
    if (c === null || c === undefined || c === false) continue
    el.append(typeof c === 'number' ? String(c) : c)
  }
  return el
}
