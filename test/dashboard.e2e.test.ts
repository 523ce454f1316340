/**
 * The dashboard (SPEC section 10) in a real headless Chromium (Debian's `chromium`, driven by
 * playwright-core) against a real node: a trader with a long call from the options venue and a
 * short perp from the perp venue. Every figure on the page equals `margin_getRiskReport` at the
 * block the page says it shows, the scenario cells carry the report's P&L, the positions sit
 * under the venue that opened them, a feeder-signed price update moves the equity shown within
 * two blocks, the account input switches accounts, and every request goes to the node only.
 * `DASHBOARD_SCREENSHOT=docs/dashboard.png` also saves the account view.
 */
import { existsSync, mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { type BrowserContext, chromium, type Page } from 'playwright-core'
import { type Hex, parseAbi } from 'viem'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { priceUpdateHash } from '../execution/oracle/priceUpdateHash.ts'
import { MARGIN_ABI } from '../execution/precompiles/margin.ts'
import { exampleArtifacts } from '../genesis/contracts/exampleContracts.ts'
import { DEV_OPTIONS_VENUE, DEV_PERP_VENUE } from '../genesis/dev.ts'
import { formatFigure } from '../rpc/dashboard/format.ts'
import type { RiskReport } from '../rpc/dashboard/types.ts'
import { MARGIN_ADDRESS, ORACLE_ADDRESS } from '../state/system/addresses.ts'
import { devAccounts, publicHttp, walletHttp } from './support/clients.ts'
import { devOptionName, genesisTimeOf } from './support/devNames.ts'
import { type NodeInstance, startNode } from './support/node.ts'
import { rpcResult } from './support/rpc.ts'

/** Debian's package; `.ci/run` installs it when missing. Never skipped: no browser is a failure. */
const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium'
const W = 10n ** 18n
const venueAbi = exampleArtifacts().OptionsVenue.abi
const oracleAbi = parseAbi([
  'function submitPrices(uint32[] underlyingIds, uint256[] prices, uint256[] vols, uint64 timestamp, bytes[] signatures)',
])
const [trader, maker, other, relayer, feeder] = [devAccounts[3], devAccounts[4], devAccounts[5], devAccounts[8], devAccounts[9]]

let node: NodeInstance
let context: BrowserContext
let page: Page
let userDataDir: string
const requests: string[] = []
const rpc = <T>(method: string, params: unknown[] = []) => rpcResult<T>(node.url, method, params)

async function send(account: (typeof devAccounts)[number], to: Hex, abi: unknown, functionName: string, args: unknown[]) {
  const hash = await walletHttp(node.url, account).writeContract({
    address: to,
    abi: abi as never,
    functionName: functionName as never,
    args: args as never,
    gas: 3_000_000n,
  })
  const receipt = await publicHttp(node.url).waitForTransactionReceipt({ hash, timeout: 30_000 })
  expect(receipt.status).toBe('success')
  return receipt
}

/** A feeder-signed update of ETH (and BTC at 60,000), sent by a relayer; resolves with its block. */
async function setPrices(eth: bigint): Promise<bigint> {
  // Newer than the last update (the genesis prices are dated at the genesis, the node's birth), not
  // after the block that includes it (blocks are stamped with the wall clock).
  const genesisTs = Number(await genesisTimeOf(node.url))
  while (Math.floor(Date.now() / 1000) - 1 <= genesisTs) await new Promise((r) => setTimeout(r, 200))
  const timestamp = BigInt(Math.floor(Date.now() / 1000) - 1)
  const update = { underlyingIds: [1, 2], prices: [eth * W, 60_000n * W], vols: [(6n * W) / 10n, (5n * W) / 10n], timestamp }
  const signature = await feeder.signMessage({ message: { raw: priceUpdateHash(31338n, update) } })
  const r = await send(relayer, ORACLE_ADDRESS, oracleAbi, 'submitPrices', [
    update.underlyingIds,
    update.prices,
    update.vols,
    timestamp,
    [signature],
  ])
  return r.blockNumber
}

async function quoteAndFill(venue: Hex, instrument: number, size: bigint, price: bigint, makerSells: boolean) {
  await send(maker, venue, venueAbi, 'quote', [instrument, size, price, makerSells])
  const id = (await publicHttp(node.url).readContract({ address: venue, abi: venueAbi, functionName: 'quoteCount' })) as bigint
  await send(trader, venue, venueAbi, 'fill', [id, size])
}

/** Everything the account view shows, read in one go (one render). */
function readPage(p: Page) {
  return p.evaluate(() => {
    const q = (sel: string) => [...document.querySelectorAll<HTMLElement>(sel)]
    const fig = (id: string) => {
      const el = document.querySelector<HTMLElement>(`[data-testid="${id}"]`)
      return el ? { value: el.dataset.value ?? '', text: el.textContent ?? '' } : null
    }
    const section = document.getElementById('account')!
    return {
      block: Number(section.dataset.block),
      address: section.dataset.address,
      head: Number(document.querySelector<HTMLElement>('[data-testid="block-number"]')?.dataset.value),
      figures: Object.fromEntries(['equity', 'initial-margin', 'maintenance-margin', 'health', 'liquidatable'].map((k) => [k, fig(k)])),
      cells: q('[data-testid="scenario-cell"]').map((c) => ({ ...c.dataset })),
      liquidationPrices: q('[data-testid="liquidation-price"]').map((r) => ({
        underlying: r.dataset.underlying,
        down: r.dataset.down,
        up: r.dataset.up,
      })),
      positions: q('[data-testid="position"]').map((r) => ({
        instrument: r.dataset.instrument,
        protocol: r.dataset.protocol,
        size: r.dataset.size,
      })),
      greeks: q('[data-testid="greeks"] tbody tr').map((r) => r.dataset.underlying),
      markets: q('[data-testid="market"]').map((r) => r.dataset.underlying),
    }
  })
}
type PageView = Awaited<ReturnType<typeof readPage>>

async function waitFor<T>(what: string, fn: () => Promise<T | undefined | false>, timeoutMs = 20_000): Promise<T> {
  const deadline = Date.now() + timeoutMs
  for (;;) {
    const v = await fn().catch(() => undefined)
    if (v) return v
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`)
    await new Promise((r) => setTimeout(r, 50))
  }
}

/** The page's figures, cells and liquidation prices equal the report at the block it shows. */
async function expectPageEqualsReport(view: PageView, address: Hex) {
  const report = await rpc<RiskReport>('margin_getRiskReport', [address, `0x${view.block.toString(16)}`])
  const pairs: [string, string][] = [
    ['equity', report.equity],
    ['initial-margin', report.initialMargin],
    ['maintenance-margin', report.maintenanceMargin],
    ['health', report.health],
  ]
  for (const [id, value] of pairs) {
    expect(view.figures[id], id).toEqual({ value, text: formatFigure(value) })
    // SPEC 10: shown rounded to 2 decimals (thousands separators allowed)
    expect(Number(view.figures[id]!.text.replace(/,/g, '').replace('−', '-'))).toBeCloseTo(Number(value), 2)
  }
  expect(view.figures.liquidatable).toEqual({ value: String(report.liquidatable), text: report.liquidatable ? 'YES' : 'no' })
  expect(view.cells).toHaveLength(report.scenarios.length)
  for (const s of report.scenarios) {
    const cell = view.cells.find(
      (c) => c.underlying === s.underlying && c.spotShock === String(s.spotShock) && c.volShock === String(s.volShock),
    )
    expect(cell?.pnl, `${s.underlying} ${s.spotShock} ${s.volShock}`).toBe(s.pnl)
  }
  const worst = view.cells.filter((c) => c.worst === 'true')
  expect(worst).toHaveLength(1)
  expect(worst[0]).toMatchObject({ underlying: report.worstScenario!.underlying, pnl: report.worstScenario!.pnl })
  expect(view.liquidationPrices).toEqual(
    report.liquidationPrices!.map((l) => ({ underlying: l.underlying, down: l.down ?? '', up: l.up ?? '' })),
  )
  expect(view.greeks).toEqual(report.greeks.map((g) => g.underlying))
  return report
}

describe('dashboard in headless Chromium', () => {
  let call: number
  let perp: number
  /** The dev ETH 3000 call of the first expiry (30 days after the node's genesis). */
  let callName: string

  beforeAll(async () => {
    if (!existsSync(CHROMIUM)) {
      throw new Error(`no Chromium at ${CHROMIUM}: apt-get install -y chromium (.ci/run does), or set CHROMIUM_PATH`)
    }
    node = await startNode({ args: ['--no-feeder'], startTimeoutMs: 90_000 })
    await setPrices(3000n)
    const markets = await rpc<{ instruments: { id: number; name: string }[] }>('margin_getMarkets')
    callName = devOptionName(await genesisTimeOf(node.url), 'ETH', 1, 3000, 'C')
    call = markets.instruments.find((i) => i.name === callName)!.id
    perp = markets.instruments.find((i) => i.name === 'ETH-PERP')!.id
    for (const who of [trader, maker]) {
      for (const venue of [DEV_OPTIONS_VENUE, DEV_PERP_VENUE]) await send(who, MARGIN_ADDRESS, MARGIN_ABI, 'setOperator', [venue, true])
    }
    await quoteAndFill(DEV_OPTIONS_VENUE, call, 10n * W, 200n * W, true) // trader buys 10 calls
    await quoteAndFill(DEV_PERP_VENUE, perp, 15n * W, 3000n * W, false) // trader sells 15 perps
    // Most of the collateral away, so the account has liquidation prices to show.
    await send(trader, MARGIN_ADDRESS, MARGIN_ABI, 'transfer', [devAccounts[6].address, 1, 985_000n * W])
    await send(trader, MARGIN_ADDRESS, MARGIN_ABI, 'transfer', [devAccounts[6].address, 2, 99n * W])

    userDataDir = mkdtempSync(join(tmpdir(), 'unimargin-chromium-'))
    context = await chromium.launchPersistentContext(userDataDir, {
      executablePath: CHROMIUM,
      viewport: { width: 1440, height: 1000 },
      args: [
        '--headless',
        '--no-sandbox',
        '--disable-gpu',
        '--disable-quic',
        '--no-first-run',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
      ],
    })
    page = await context.newPage()
    page.on('request', (r) => requests.push(r.url()))
    page.on('websocket', (w) => requests.push(w.url()))
  }, 180_000)

  afterAll(async () => {
    await context?.close()
    if (userDataDir) rmSync(userDataDir, { recursive: true, force: true })
    await node?.dispose()
  })

  it("shows the head, the markets and the account's figures exactly as margin_getRiskReport gives them", async () => {
    const t0 = Date.now()
    await page.goto(`${node.url}/#/account/${trader.address}`)
    const view = await waitFor('the account view', async () => {
      const v = await readPage(page)
      return v.figures.equity && v.cells.length > 0 && v.positions.length === 2 ? v : undefined
    })
    console.log(`dashboard: account view shown ${Date.now() - t0} ms after navigation`)
    expect(view.address).toBe(trader.address.toLowerCase())
    expect(view.head).toBeGreaterThanOrEqual(view.block - 1)
    expect(view.markets).toEqual(['ETH', 'BTC', 'ETHUSDC-LP'])
    const report = await expectPageEqualsReport(view, trader.address)
    console.log('dashboard: liquidation prices', JSON.stringify(report.liquidationPrices))
    expect(report.liquidationPrices!.some((l) => l.up !== null || l.down !== null)).toBe(true)
    // The page is the node's own: CSP, and GET / for anything but a browser is still the health JSON.
    const res = await fetch(node.url, { headers: { accept: 'text/html' } })
    expect(res.headers.get('content-security-policy')).toContain("connect-src 'self'")
    expect(await (await fetch(node.url)).json()).toMatchObject({ status: 'ok' })
  }, 60_000)

  it('groups positions by the venue that opened them', async () => {
    const view = await readPage(page)
    const byName = (a: { instrument?: string }, b: { instrument?: string }) => String(a.instrument).localeCompare(String(b.instrument))
    expect(view.positions.sort(byName)).toEqual(
      [
        { instrument: 'ETH-PERP', protocol: DEV_PERP_VENUE, size: '-15' },
        { instrument: callName, protocol: DEV_OPTIONS_VENUE, size: '10' },
      ].sort(byName),
    )
    // each group is a <tbody> headed by its protocol
    expect(await page.locator(`tbody[data-protocol="${DEV_OPTIONS_VENUE}"] tr.group`).textContent()).toContain('options')
    expect(await page.locator(`tbody[data-protocol="${DEV_PERP_VENUE}"] tr.group`).textContent()).toContain('perps')
  })

  it('a price update moves the equity shown within two blocks, without a reload', async () => {
    const before = await readPage(page)
    const moved = await setPrices(3300n)
    const { view, headThen } = await waitFor('the equity to move', async () => {
      const v = await readPage(page)
      const headThen = await publicHttp(node.url).getBlockNumber()
      return v.block >= Number(moved) && { view: v, headThen }
    })
    console.log(`dashboard: price update in block ${moved}, shown by block ${headThen}`)
    expect(Number(headThen)).toBeLessThanOrEqual(Number(moved) + 2)
    expect(view.figures.equity!.value).not.toBe(before.figures.equity!.value)
    await expectPageEqualsReport(view, trader.address)
  }, 60_000)

  it('the account input (keyboard only) switches accounts', async () => {
    const input = page.getByRole('textbox', { name: 'Account' })
    await input.focus()
    await input.fill(other.address)
    await page.keyboard.press('Enter')
    const view = await waitFor('the other account', async () => {
      const v = await readPage(page)
      return v.address === other.address.toLowerCase() && v.figures.equity ? v : undefined
    })
    expect(page.url()).toContain(`#/account/${other.address}`)
    expect(view.positions).toEqual([])
    await expectPageEqualsReport(view, other.address)
    await input.fill('0x1234')
    await page.keyboard.press('Enter')
    await expect.poll(() => page.locator('#account-error').textContent()).toContain('Not an address')
  }, 60_000)

  it("fits a phone's width", async () => {
    await page.setViewportSize({ width: 390, height: 844 })
    await page.goto(`${node.url}/#/account/${trader.address}`)
    await waitFor('the account view', async () => (await readPage(page)).figures.equity)
    const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth)
    expect(overflow).toBeLessThanOrEqual(0)
    await page.setViewportSize({ width: 1440, height: 1000 })
  }, 60_000)

  it('every request went to the node, and nowhere else', async () => {
    if (process.env.DASHBOARD_SCREENSHOT) {
      await page.goto(`${node.url}/#/account/${trader.address}`)
      await waitFor('the account view', async () => (await readPage(page)).positions.length === 2)
      await page.waitForTimeout(500)
      await page.screenshot({ path: process.env.DASHBOARD_SCREENSHOT, fullPage: true })
    }
    const origins = new Set(requests.map((u) => new URL(u).origin.replace(/^ws:/, 'http:')))
    expect(requests.length).toBeGreaterThan(10)
    expect([...origins]).toEqual([node.url])
    expect(requests.some((u) => u.startsWith(node.wsUrl))).toBe(true)
  }, 60_000)
})
