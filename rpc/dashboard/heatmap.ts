/// <reference lib="dom" />
/**
 * The scenario grid as a heat map: per underlying a table, spot shocks across (the extremes at
 * the ends), vol shocks down (vol up on top), each cell the report's P&L for that scenario,
 * coloured by sign and size, the worst scenario marked. A plain <table>: screen readers read
 * it with its headers, no charting library needed.
 */
import { h } from './dom.ts'
import { formatFigure, formatSignedPercent } from './format.ts'
import type { ReportScenario, RiskReport } from './types.ts'

/** Scan range and spot per underlying, to label the columns with the move and the price. */
export interface GridContext {
  scanRange: Record<string, number>
  spot: Record<string, number>
}

const sortNum = (a: number, b: number) => a - b

/** One table per underlying the report has scenarios for (data-testid="scenario-grid"). */
export function renderScenarioGrid(report: RiskReport, ctx: GridContext): HTMLElement {
  const byUnderlying = new Map<string, ReportScenario[]>()
  for (const s of report.scenarios) {
    const list = byUnderlying.get(s.underlying) ?? []
    list.push(s)
    byUnderlying.set(s.underlying, list)
  }
  const worst = report.worstScenario
  const root = h('div', { class: 'grids', 'data-testid': 'scenario-grid' })
  if (byUnderlying.size === 0) root.append(h('p', { class: 'muted' }, 'No positions on any underlying: no scenarios.'))
  for (const [underlying, list] of byUnderlying) {
    const spots = [...new Set(list.map((s) => s.spotShock))].sort(sortNum)
    const vols = [...new Set(list.map((s) => s.volShock))].sort(sortNum).reverse()
    const maxAbs = Math.max(1e-9, ...list.map((s) => Math.abs(Number(s.pnl))))
    const range = ctx.scanRange[underlying] ?? 0
    const spot = ctx.spot[underlying]
    const head = h(
      'tr',
      {},
      h('th', { scope: 'col', class: 'corner' }, h('span', {}, 'vol ↓ / spot →')),
      spots.map((a) => {
        const extreme = list.some((s) => s.spotShock === a && s.extreme)
        const price = spot === undefined ? '' : formatFigure(String(Math.max(0, spot * (1 + a * range))), 0)
        return h(
          'th',
          { scope: 'col', class: extreme ? 'extreme' : undefined, title: extreme ? 'extreme move, counted at extremeCover' : undefined },
          h('span', { class: 'move' }, formatSignedPercent(a * range, 0)),
          h('span', { class: 'price' }, price),
        )
      }),
    )
    const rows = vols.map((v) =>
      h(
        'tr',
        {},
        h('th', { scope: 'row' }, `vol ${formatSignedPercent(v, 0)}`),
        spots.map((a) => {
          const s = list.find((x) => x.spotShock === a && x.volShock === v)
          if (!s) return h('td', { class: 'empty', 'aria-hidden': 'true' })
          const pnl = Number(s.pnl)
          const isWorst = worst !== null && worst.underlying === s.underlying && worst.spotShock === s.spotShock && worst.volShock === s.volShock
          const intensity = Math.min(1, Math.abs(pnl) / maxAbs)
          const cell = h(
            'td',
            {
              class: `cell ${pnl < 0 ? 'loss' : pnl > 0 ? 'gain' : 'flat'}${isWorst ? ' worst' : ''}${s.extreme ? ' extreme' : ''}`,
              'data-testid': 'scenario-cell',
              'data-underlying': s.underlying,
              'data-spot-shock': String(s.spotShock),
              'data-vol-shock': String(s.volShock),
              'data-pnl': s.pnl,
              'data-worst': isWorst ? 'true' : undefined,
              title: `${underlying} spot ${formatSignedPercent(a * range)}, vol ${formatSignedPercent(v, 0)}${s.extreme ? ' (extreme, weighted)' : ''}: P&L ${formatFigure(s.pnl)}${isWorst ? ' — worst scenario' : ''}`,
            },
            formatFigure(s.pnl, 0),
            isWorst ? h('span', { class: 'worst-mark' }, ' worst') : null,
          )
          // Through the CSSOM: the page's CSP refuses style attributes.
          cell.style.setProperty('--i', (0.12 + 0.78 * intensity).toFixed(3))
          return cell
        }),
      ),
    )
    root.append(
      h(
        'div',
        { class: 'grid-wrap' },
        h(
          'table',
          { class: 'heat', 'data-underlying': underlying },
          h('caption', {}, `${underlying}: P&L by scenario (USD; extremes weighted)`),
          h('thead', {}, head),
          h('tbody', {}, rows),
        ),
      ),
    )
  }
  return root
}
