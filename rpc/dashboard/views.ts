/// <reference lib="dom" />
/**
 * The panels of the page, each a function of plain data to an element: the markets, the
 * lending markets, and an account's figures, liquidation prices, Greeks, balances, positions
 * by protocol and liquidation history. The `data-testid` names are SPEC section 10's.
 */
import type { Attribution } from './attribution.ts'
import { h } from './dom.ts'
import { formatAge, formatFigure, formatPercent, formatSignedPercent, shortAddress } from './format.ts'
import type { Head, LendingMarket, Liquidation, MarginAccount, Markets, RiskParams, RiskReport } from './types.ts'

const num = (text: string | number, testid?: string, value?: string) =>
  h('td', { class: 'num', 'data-testid': testid, 'data-value': value }, typeof text === 'number' ? String(text) : text)
const th = (text: string, numeric = false) => h('th', { scope: 'col', class: numeric ? 'num' : undefined }, text)

function table(caption: string, heads: HTMLElement[], body: HTMLElement[] | HTMLElement, attrs: Record<string, string> = {}) {
  return h(
    'div',
    { class: 'table-wrap' },
    h('table', attrs, h('caption', { class: 'sr-only' }, caption), h('thead', {}, h('tr', {}, heads)), Array.isArray(body) ? h('tbody', {}, body) : body),
  )
}

/** Underlyings (price, vol, age of the price) and the perps' funding when the node serves it. */
export function renderMarkets(m: Markets, head: Head | null, params: RiskParams | null): HTMLElement {
  const rows = m.underlyings.map((u) => {
    const age = head ? head.timestamp - u.timestamp : Number.NaN
    const stale = params !== null && age > params.maxOracleAge
    return h(
      'tr',
      { 'data-testid': 'market', 'data-underlying': u.symbol },
      h('th', { scope: 'row' }, u.symbol),
      num(formatFigure(u.price), 'market-price', u.price),
      num(formatPercent(u.vol), 'market-vol', u.vol),
      h(
        'td',
        { class: `num${stale ? ' stale' : ''}`, 'data-testid': 'market-age', title: stale ? `older than maxOracleAge (${params?.maxOracleAge} s): stale` : undefined },
        formatAge(age),
        stale ? h('span', { class: 'sr-only' }, ' (stale)') : null,
        stale ? h('span', { 'aria-hidden': 'true' }, ' ⚠') : null,
      ),
    )
  })
  const perps = m.instruments.filter((i) => i.type === 'perp')
  const perpRows = perps.map((p) =>
    h(
      'tr',
      { 'data-testid': 'perp', 'data-instrument': p.name },
      h('th', { scope: 'row' }, p.name),
      num(p.markPrice === undefined ? '—' : formatFigure(p.markPrice)),
      num(p.fundingRate === undefined ? '—' : formatPercent(p.fundingRate, 4)),
      num(p.nextFundingTime === undefined || !head ? '—' : formatAge(p.nextFundingTime - head.timestamp)),
    ),
  )
  const options = m.instruments.filter((i) => i.type === 'option').length
  return h(
    'div',
    {},
    table('Underlyings', [th('Underlying'), th('Price', true), th('Vol', true), th('Age', true)], rows),
    table('Perpetuals', [th('Perp'), th('Mark', true), th('Funding', true), th('Next', true)], perpRows),
    h('p', { class: 'muted small' }, `${options} options listed · prices in USD · age from the head block`),
  )
}

/** `margin_getLendingMarkets`, or a line saying the node does not serve it. */
export function renderLending(markets: LendingMarket[] | null): HTMLElement {
  if (markets === null) return h('p', { class: 'muted' }, 'This node serves no lending markets (margin_getLendingMarkets).')
  return table(
    'Lending markets',
    [th('Asset'), th('Supplied', true), th('Borrowed', true), th('Utilization', true), th('Supply APR', true), th('Borrow APR', true)],
    markets.map((l) =>
      h(
        'tr',
        { 'data-testid': 'lending-market', 'data-asset': l.symbol },
        h('th', { scope: 'row' }, l.symbol),
        num(formatFigure(l.supplied)),
        num(formatFigure(l.borrowed)),
        num(formatPercent(l.utilization)),
        num(formatPercent(l.supplyRate, 2)),
        num(formatPercent(l.borrowRate, 2)),
      ),
    ),
  )
}

/** Equity, IM, MM, health, liquidatable as the report gives them, and what makes up MM. */
export function renderFigures(r: RiskReport): HTMLElement {
  const figure = (label: string, testid: string, value: string, extra = '') =>
    h(
      'div',
      { class: `figure ${extra}` },
      h('span', { class: 'label', id: `label-${testid}` }, label),
      h('span', { class: 'value num', 'data-testid': testid, 'data-value': value, 'aria-labelledby': `label-${testid}` }, formatFigure(value)),
    )
  const equity = Number(r.equity)
  const usage = (x: string) => (equity > 0 ? formatPercent(Number(x) / equity) : '—')
  const health = Number(r.health)
  return h(
    'div',
    {},
    h(
      'div',
      { class: 'figures' },
      figure('Equity', 'equity', r.equity),
      figure('Initial margin', 'initial-margin', r.initialMargin),
      figure('Maintenance margin', 'maintenance-margin', r.maintenanceMargin),
      figure('Health (E − MM)', 'health', r.health, health < 0 ? 'bad' : 'good'),
      h(
        'div',
        { class: `figure ${r.liquidatable ? 'bad' : 'good'}` },
        h('span', { class: 'label', id: 'label-liquidatable' }, 'Liquidatable'),
        h(
          'span',
          { class: 'value flag', 'data-testid': 'liquidatable', 'data-value': String(r.liquidatable), 'aria-labelledby': 'label-liquidatable', 'aria-live': 'polite' },
          r.liquidatable ? 'YES' : 'no',
        ),
      ),
    ),
    h(
      'dl',
      { class: 'components' },
      [
        ['IM / equity', usage(r.initialMargin)],
        ['MM / equity', usage(r.maintenanceMargin)],
        ['Scenario loss', formatFigure(r.components.scenarioLoss)],
        ['Short-option minimum', formatFigure(r.components.shortOptionMinimum)],
        ['Collateral haircut', formatFigure(r.components.collateralHaircut)],
        ['Expected shortfall', formatFigure(r.components.expectedShortfall)],
      ].map(([k, v]) => h('div', {}, h('dt', {}, k), h('dd', { class: 'num' }, v))),
    ),
  )
}

/** Per underlying: where the account would be liquidated, and how far that is from spot. */
export function renderLiquidationPrices(r: RiskReport, spot: Record<string, number>): HTMLElement {
  const list = r.liquidationPrices
  if (list === undefined) return h('p', { class: 'muted' }, 'This node reports no liquidation prices.')
  if (list.length === 0) return h('p', { class: 'muted' }, 'Nothing priced off an underlying: no liquidation price.')
  const side = (p: string | null, s: number | undefined) =>
    p === null
      ? h('td', { class: 'num muted' }, 'none ≤ 10×')
      : h('td', { class: 'num' }, formatFigure(p), s ? h('span', { class: 'dist' }, ` ${formatSignedPercent(Number(p) / s - 1)}`) : null)
  return table(
    'Liquidation prices',
    [th('Underlying'), th('Spot', true), th('Below (↓)', true), th('Above (↑)', true)],
    list.map((l) =>
      h(
        'tr',
        { 'data-testid': 'liquidation-price', 'data-underlying': l.underlying, 'data-down': l.down ?? '', 'data-up': l.up ?? '' },
        h('th', { scope: 'row' }, l.underlying),
        num(spot[l.underlying] === undefined ? '—' : formatFigure(String(spot[l.underlying]))),
        side(l.down, spot[l.underlying]),
        side(l.up, spot[l.underlying]),
      ),
    ),
  )
}

/** The report's Greeks per underlying. */
export function renderGreeks(r: RiskReport): HTMLElement {
  return table(
    'Greeks',
    [th('Underlying'), th('Delta', true), th('Delta USD', true), th('Gamma', true), th('Vega /1%', true), th('Theta /day', true), th('Rho /1%', true)],
    r.greeks.map((g) =>
      h(
        'tr',
        { 'data-underlying': g.underlying },
        h('th', { scope: 'row' }, g.underlying),
        num(formatFigure(g.delta, 4), undefined, g.delta),
        num(formatFigure(g.deltaUsd), undefined, g.deltaUsd),
        num(formatFigure(g.gamma, 4), undefined, g.gamma),
        num(formatFigure(g.vega), undefined, g.vega),
        num(formatFigure(g.theta), undefined, g.theta),
        num(formatFigure(g.rho), undefined, g.rho),
      ),
    ),
    { 'data-testid': 'greeks' },
  )
}

/** Balances with their USD value, haircut and interest rate (when the node serves rates). */
export function renderBalances(a: MarginAccount, m: Markets | null, spot: Record<string, number>): HTMLElement {
  const rows = a.balances.map((b) => {
    const asset = m?.assets.find((x) => x.id === b.assetId)
    const price = asset?.underlying ? spot[asset.underlying] : asset ? 1 : undefined
    const value = price === undefined ? '—' : formatFigure(String(Number(b.amount) * price))
    return h(
      'tr',
      { 'data-testid': 'balance', 'data-asset': b.symbol },
      h('th', { scope: 'row' }, b.symbol),
      num(formatFigure(b.amount, asset?.underlying ? 4 : 2), undefined, b.amount),
      num(value),
      num(asset ? formatPercent(asset.haircut, 0) : '—'),
      num(b.interestRate === undefined ? '—' : formatPercent(b.interestRate, 2)),
    )
  })
  const pending = a.pendingDeposits.filter((d) => d.status === 'pending')
  return h(
    'div',
    {},
    table('Balances', [th('Asset'), th('Amount', true), th('Value USD', true), th('Haircut', true), th('Rate / yr', true)], rows),
    pending.length > 0 ? h('p', { class: 'muted small' }, `${pending.length} deposit(s) pending L1 finality (worth 0 until credited)`) : null,
  )
}

/**
 * Positions grouped by the protocol whose fill opened them (see attribution.ts); each row is
 * the account's net position as `margin_getAccount` gives it, with each venue's net fills when
 * more than one traded it.
 */
export function renderPositions(a: MarginAccount, attribution: Map<number, Attribution>, m: Markets | null): HTMLElement {
  if (a.positions.length === 0) return h('p', { class: 'muted' }, 'No open positions.')
  const groups = new Map<string, MarginAccount['positions']>()
  for (const p of a.positions) {
    const key = attribution.get(p.instrumentId)?.opener ?? 'unattributed'
    groups.set(key, [...(groups.get(key) ?? []), p])
  }
  const kind = (protocol: string) => {
    const types = new Set(
      [...attribution].filter(([, x]) => x.byProtocol.has(protocol)).map(([id]) => m?.instruments.find((i) => i.id === id)?.type),
    )
    return [...types].filter(Boolean).map((t) => (t === 'perp' ? 'perps' : 'options')).join(' + ')
  }
  const bodies = [...groups].map(([protocol, list]) =>
    h(
      'tbody',
      { 'data-protocol': protocol },
      h(
        'tr',
        { class: 'group' },
        h(
          'th',
          { scope: 'colgroup', colspan: '6' },
          protocol === 'unattributed'
            ? 'Opened outside the scanned blocks or by no venue'
            : h('span', {}, `Protocol `, h('code', { title: protocol }, shortAddress(protocol)), kind(protocol) ? ` · ${kind(protocol)}` : ''),
        ),
      ),
      list.map((p) => {
        const att = attribution.get(p.instrumentId)
        const venues = att && att.byProtocol.size > 1 ? [...att.byProtocol].map(([v, s]) => `${shortAddress(v)} ${fmtWad(s)}`).join(', ') : ''
        return h(
          'tr',
          { 'data-testid': 'position', 'data-instrument': p.name, 'data-protocol': protocol, 'data-size': p.size },
          h('th', { scope: 'row' }, p.name, venues ? h('span', { class: 'venues' }, ` (${venues})`) : null),
          num(formatFigure(p.size, 4), undefined, p.size),
          num(formatFigure(p.entryPrice)),
          num(formatFigure(p.markPrice)),
          h('td', { class: `num ${Number(p.value) < 0 ? 'neg' : ''}`, 'data-value': p.value }, formatFigure(p.value)),
          num(p.fundingAccrued === undefined ? '—' : formatFigure(p.fundingAccrued)),
        )
      }),
    ),
  )
  return h(
    'div',
    { class: 'table-wrap' },
    h(
      'table',
      {},
      h('caption', { class: 'sr-only' }, 'Positions by protocol'),
      h('thead', {}, h('tr', {}, [th('Instrument'), th('Size', true), th('Entry', true), th('Mark', true), th('Value / uPnL', true), th('Funding owed', true)])),
      bodies,
    ),
  )
}

function fmtWad(x: bigint): string {
  const neg = x < 0n
  const abs = neg ? -x : x
  const whole = abs / 10n ** 18n
  const frac = (abs % 10n ** 18n).toString().padStart(18, '0').replace(/0+$/, '')
  return formatFigure(`${neg ? '-' : ''}${whole}${frac ? `.${frac}` : ''}`, 4).replace(/\.?0+$/, '')
}

/** The account's liquidations and bad debt, newest first. */
export function renderLiquidations(list: Liquidation[], scannedFrom: number): HTMLElement {
  const note = h('p', { class: 'muted small' }, `From block ${scannedFrom} on.`)
  if (list.length === 0) return h('div', {}, h('p', { class: 'muted', 'data-testid': 'no-liquidations' }, 'Never liquidated.'), note)
  const rows = [...list]
    .sort((a, b) => b.blockNumber - a.blockNumber || b.logIndex - a.logIndex)
    .map((l) =>
      l.type === 'badDebt'
        ? h('tr', { 'data-testid': 'liquidation' }, num(l.blockNumber), h('td', {}, 'bad debt'), h('td', {}, '—'), num('—'), num('—'), num(formatFigure(l.amount)))
        : h(
            'tr',
            { 'data-testid': 'liquidation' },
            num(l.blockNumber),
            h('td', {}, l.kind === 'collateral' ? 'collateral sold' : 'closed'),
            h('td', {}, l.name),
            num(formatFigure(l.sizeClosed, 4)),
            num(formatFigure(l.price)),
            num(formatFigure(l.penalty)),
          ),
    )
  return h('div', {}, table('Liquidation history', [th('Block', true), th('What'), th('Item'), th('Size', true), th('Price', true), th('Penalty / debt', true)], rows), note)
}
