/// <reference lib="dom" />
/**
 * The dashboard's entry point, bundled by esbuild (serve.ts) and run in the browser. It talks
 * to the node that served it and to nothing else: JSON-RPC over HTTP POST to the same origin,
 * subscriptions (`newHeads`, `marginHealth`) over a WebSocket to the same host, both with viem.
 * Every block it re-reads the markets; for the account shown, every `marginHealth` push (the
 * risk report of that block) re-reads the account and the new `Trade` logs at that same block,
 * so every figure on the page is of one block (`data-block`).
 */
import { type Hex, createClient, http, isAddress, parseAbiItem, webSocket } from 'viem'
import { getLogs } from 'viem/actions'
import { attribute, type ClosureEvent, type TradeEvent } from './attribution.ts'
import { h } from './dom.ts'
import { renderScenarioGrid } from './heatmap.ts'
import type { Head, LendingMarket, Liquidation, MarginAccount, MarginHealth, Markets, RiskParams, RiskReport } from './types.ts'
import {
  renderBalances,
  renderFigures,
  renderGreeks,
  renderLending,
  renderLiquidationPrices,
  renderLiquidations,
  renderMarkets,
  renderPositions,
} from './views.ts'

const MARGIN: Hex = '0x0000000000000000000000000000000000000a00'
const TRADE = parseAbiItem(
  'event Trade(address indexed buyer, address indexed seller, uint32 indexed instrumentId, uint256 size, uint256 price, address protocol)',
)
/** How far back the page reads Trade logs and liquidations (margin_getLiquidations' widest range). */
const HISTORY_BLOCKS = 99_999
/** eth_getLogs calls span at most this many blocks. */
const LOG_CHUNK = 10_000

const origin = window.location.origin
const wsUrl = `${window.location.protocol === 'https:' ? 'wss' : 'ws'}://${window.location.host}/`
// Clients without the decorated actions (createPublicClient's would bundle all of them).
const client = createClient({ transport: http(`${origin}/`, { batch: false }) })
const ws = createClient({ transport: webSocket(wsUrl, { reconnect: { attempts: 1_000_000, delay: 1000 } }) })

const rpc = <T>(method: string, params: unknown[] = []): Promise<T> =>
  client.request({ method, params } as never) as Promise<T>
const hex = (n: number) => `0x${n.toString(16)}`
const $ = (id: string) => document.getElementById(id) as HTMLElement

// ------------------------------------------------------------------------------------ state
let head: Head | null = null
let markets: Markets | null = null
let params: RiskParams | null = null
let lending: LendingMarket[] | null | undefined // null: the node does not serve it
let account: AccountState | null = null

interface AccountState {
  address: Hex
  stop?: () => void
  report?: RiskReport
  view?: MarginAccount
  block?: number
  trades: TradeEvent[]
  liquidations: Liquidation[]
  scannedTo: number
  scannedFrom: number
  busy: boolean
  queued?: MarginHealth
}

const spotMap = (): Record<string, number> =>
  Object.fromEntries((markets?.underlyings ?? []).map((u) => [u.symbol, Number(u.price)]))

function setStatus(text: string, ok: boolean) {
  const el = $('status')
  el.textContent = text
  el.className = `status ${ok ? 'ok' : 'bad'}`
}

// ---------------------------------------------------------------------------------- markets
let marketsBusy = false
async function refreshMarkets(n: number) {
  if (marketsBusy) return
  marketsBusy = true
  try {
    const tag = hex(n)
    const [m, p] = await Promise.all([rpc<Markets>('margin_getMarkets', [tag]), params ? params : rpc<RiskParams>('margin_getRiskParams', [tag])])
    markets = m
    params = p
    if (lending !== null) {
      try {
        lending = await rpc<LendingMarket[]>('margin_getLendingMarkets', [tag])
      } catch (err) {
        if ((err as { code?: number }).code === -32601 || String(err).includes('-32601') || String(err).includes('not found')) lending = null
      }
    }
    $('markets').replaceChildren(renderMarkets(m, head, p))
    $('lending').replaceChildren(lending === undefined ? h('p', { class: 'muted' }, 'Loading…') : renderLending(lending))
  } catch (err) {
    console.warn('markets', err)
  } finally {
    marketsBusy = false
  }
}

// ---------------------------------------------------------------------------------- account
async function readTrades(a: AccountState, from: number, to: number) {
  for (let lo = from; lo <= to; lo += LOG_CHUNK) {
    const hi = Math.min(to, lo + LOG_CHUNK - 1)
    const range = { address: MARGIN, event: TRADE, fromBlock: BigInt(lo), toBlock: BigInt(hi) } as const
    const [bought, sold] = await Promise.all([
      getLogs(client, { ...range, args: { buyer: a.address } }),
      getLogs(client, { ...range, args: { seller: a.address } }),
    ])
    for (const l of [...bought, ...sold]) {
      a.trades.push({
        blockNumber: Number(l.blockNumber),
        logIndex: Number(l.logIndex),
        buyer: l.args.buyer!,
        seller: l.args.seller!,
        instrumentId: Number(l.args.instrumentId),
        size: l.args.size!,
        protocol: l.args.protocol!,
      })
    }
  }
}

/** Brings the account to block `n` with `report` (a push, or read at `n`). */
async function updateAccount(a: AccountState, n: number, report?: RiskReport, newLiquidations?: Liquidation[]) {
  const tag = hex(n)
  const [r, view] = await Promise.all([
    report ? Promise.resolve(report) : rpc<RiskReport>('margin_getRiskReport', [a.address, tag]),
    rpc<MarginAccount>('margin_getAccount', [a.address, tag]),
  ])
  if (a.scannedTo < n) {
    await readTrades(a, a.scannedTo + 1, n)
    if (newLiquidations) a.liquidations.push(...newLiquidations)
    a.scannedTo = n
  }
  if (account !== a) return
  a.report = r
  a.view = view
  a.block = n
  renderAccount(a)
}

function renderAccount(a: AccountState) {
  if (!a.report || !a.view) return
  const section = $('account')
  section.setAttribute('data-block', String(a.block))
  section.setAttribute('data-address', a.address.toLowerCase())
  $('account-title').textContent = `Account ${a.address}`
  $('account-block').textContent = `figures at block ${a.block}`
  const closures: ClosureEvent[] = a.liquidations.flatMap((l) =>
    l.type === 'liquidation' && l.kind === 'position' && l.instrumentId !== undefined
      ? [{ blockNumber: l.blockNumber, logIndex: l.logIndex, instrumentId: l.instrumentId, sizeClosed: wad(l.sizeClosed) }]
      : [],
  )
  const spot = spotMap()
  $('figures').replaceChildren(renderFigures(a.report))
  $('liquidation-prices').replaceChildren(renderLiquidationPrices(a.report, spot))
  $('greeks').replaceChildren(renderGreeks(a.report))
  $('scenarios').replaceChildren(renderScenarioGrid(a.report, { scanRange: params?.scanRange ?? {}, spot }))
  $('balances').replaceChildren(renderBalances(a.view, markets, spot))
  $('positions').replaceChildren(renderPositions(a.view, attribute(a.address, a.trades, closures), markets))
  $('history').replaceChildren(renderLiquidations(a.liquidations, a.scannedFrom))
  $('account').hidden = false
  $('empty').hidden = true
}

function wad(text: string): bigint {
  const m = /^(-)?(\d+)(?:\.(\d{1,18}))?$/.exec(text)
  if (!m) return 0n
  const v = BigInt(m[2]) * 10n ** 18n + BigInt((m[3] ?? '').padEnd(18, '0'))
  return m[1] ? -v : v
}

async function onHealth(a: AccountState, push: MarginHealth) {
  if (a.busy) {
    a.queued = push // only the newest matters
    return
  }
  a.busy = true
  try {
    const n = Number(push.blockNumber)
    if (a.block === undefined || n > a.block) await updateAccount(a, n, push, push.liquidations)
  } catch (err) {
    console.warn('account', err)
  } finally {
    a.busy = false
    const next = a.queued
    a.queued = undefined
    if (next && account === a) void onHealth(a, next)
  }
}

async function openAccount(address: Hex) {
  if (account?.address.toLowerCase() === address.toLowerCase()) return
  account?.stop?.()
  const input = $('account-input') as HTMLInputElement
  if (input.value.toLowerCase() !== address.toLowerCase()) input.value = address
  $('account-error').textContent = ''
  const n = Number(await rpc<string>('eth_blockNumber'))
  const from = Math.max(0, n - HISTORY_BLOCKS)
  const a: AccountState = { address, trades: [], liquidations: [], scannedTo: from - 1, scannedFrom: from, busy: true }
  account = a
  $('account').hidden = true
  $('empty').hidden = false
  $('empty').textContent = `Loading ${address}…`
  try {
    const all = await rpc<Liquidation[]>('margin_getLiquidations', [hex(from), hex(n)])
    a.liquidations = all.filter((l) => l.account.toLowerCase() === address.toLowerCase())
    await updateAccount(a, n)
  } catch (err) {
    $('empty').textContent = `Could not read ${address}: ${(err as Error).message}`
  } finally {
    a.busy = false
  }
  if (account !== a) return
  const { unsubscribe } = await ws.transport.subscribe({
    params: ['marginHealth', address] as never,
    onData: (data: { result?: MarginHealth }) => data.result && void onHealth(a, data.result),
    onError: (err: Error) => console.warn('marginHealth', err),
  })
  a.stop = () => void unsubscribe().catch(() => {})
  if (account !== a) a.stop()
}

// ------------------------------------------------------------------------------ navigation
function route() {
  const m = /^#\/account\/(0x[0-9a-fA-F]{40})$/.exec(window.location.hash)
  if (m) void openAccount(m[1] as Hex)
}

function onSubmit(ev: Event) {
  ev.preventDefault()
  const value = ($('account-input') as HTMLInputElement).value.trim()
  if (!isAddress(value, { strict: false })) {
    $('account-error').textContent = 'Not an address: 0x followed by 40 hex digits.'
    return
  }
  const hash = `#/account/${value}`
  if (window.location.hash === hash) route()
  else window.location.hash = hash
}

// ------------------------------------------------------------------------------------ heads
function onHead(raw: { number: string; timestamp: string }) {
  head = { number: Number(raw.number), timestamp: Number(raw.timestamp) }
  const el = $('block-number')
  el.textContent = String(head.number)
  el.setAttribute('data-value', String(head.number))
  $('head-time').textContent = new Date(head.timestamp * 1000).toISOString().replace('T', ' ').slice(0, 19)
  void refreshMarkets(head.number)
}

async function followHeads() {
  try {
    await ws.transport.subscribe({
      params: ['newHeads'] as never,
      onData: (data: { result?: { number: string; timestamp: string } }) => {
        setStatus('live', true)
        if (data.result) onHead(data.result)
      },
      onError: () => setStatus('reconnecting…', false),
    })
    setStatus('live', true)
  } catch {
    setStatus('offline: retrying', false)
    setTimeout(followHeads, 2000)
  }
}

async function start() {
  $('account-form').addEventListener('submit', onSubmit)
  window.addEventListener('hashchange', route)
  const [chainId, latest] = await Promise.all([rpc<string>('eth_chainId'), rpc<{ number: string; timestamp: string }>('eth_getBlockByNumber', ['latest', false])])
  $('chain').textContent = `chain ${Number(chainId)}`
  onHead(latest)
  await followHeads()
  route()
}

void start()
