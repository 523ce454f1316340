import { execFile } from 'node:child_process'
import { mkdtempSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { promisify } from 'node:util'
import { describe, expect, it } from 'vitest'
import { runRiskCli } from './riskCli.ts'

const run = promisify(execFile)
const MAIN = new URL('./riskMain.ts', import.meta.url).pathname
const dir = mkdtempSync(join(tmpdir(), 'unimargin-risk-'))
const file = (name: string, content: unknown) => {
  const path = join(dir, name)
  writeFileSync(path, typeof content === 'string' ? content : JSON.stringify(content))
  return path
}
const T0 = 1_767_225_600
const worked = {
  balances: [
    { asset: 'USDC', amount: '100000' },
    { asset: 'WETH', amount: '5' },
  ],
  positions: [
    { instrument: { type: 'option', underlying: 'ETH', strike: 3000, expiry: T0 + 45 * 86400, kind: 'call' }, size: '10' },
    { instrument: { type: 'option', underlying: 'ETH', strike: '2600', expiry: '2026-02-15T00:00:00Z', kind: 'put' }, size: -5 },
    { instrument: 'ETH-PERP', size: '-4', entryPrice: '2950' },
  ],
}

async function spawnCli(args: string[]) {
  try {
    const { stdout, stderr } = await run(process.execPath, ['--import', 'tsx', MAIN, ...args])
    return { code: 0, stdout, stderr }
  } catch (err) {
    const e = err as { code: number; stdout: string; stderr: string }
    return { code: e.code, stdout: e.stdout, stderr: e.stderr }
  }
}

describe('unimargin risk (spawned)', () => {
  it('prints the worked example report as JSON and nothing else', async () => {
    const params = file('noes.json', { es: { enabled: false } })
    const r = await spawnCli(['--portfolio', file('w.json', worked), '--params', params, '--time', String(T0)])
    expect(r.code).toBe(0)
    expect(r.stderr).toBe('')
    const report = JSON.parse(r.stdout)
    expect(Number(report.equity).toFixed(4)).toBe('116882.7931')
    expect(Number(report.maintenanceMargin).toFixed(4)).toBe('6792.8475')
    expect(Number(report.initialMargin).toFixed(4)).toBe('8830.7018')
    expect(report.worstScenario).toMatchObject({ spotShock: -1, volShock: -0.3 })
  })

  it('takes an array of portfolios, a market file and defaults the params to the dev genesis', async () => {
    const market = file('m.json', { underlyings: { ETH: { price: 2000 } } })
    const r = await spawnCli([
      `--portfolio=${file('arr.json', [worked, { balances: [{ asset: 1, amount: 5 }] }])}`,
      '--market',
      market,
      '--time',
      String(T0),
    ])
    expect(r.code).toBe(0)
    const reports = JSON.parse(r.stdout)
    expect(reports).toHaveLength(2)
    expect(Number(reports[0].components.expectedShortfall)).toBeGreaterThan(0)
    const eth = reports[0].greeks[0]
    expect(Number(eth.deltaUsd)).toBeCloseTo(Number(eth.delta) * 2000, 6)
    expect(Number(reports[0].equity)).toBeLessThan(116882) // ETH at 2,000, not 3,000
    expect(reports[1].equity).toBe('5')
    expect(reports[1].components.collateralHaircut).toBe('0.1')
  })

  let filesOnce: Record<string, string> | undefined
  it.concurrent.each([
    [['--portfolio'], '--portfolio: missing value'],
    [[], '--portfolio: required'],
    [['--portfolio', '/nonexistent.json'], '--portfolio: cannot read'],
    [['--portfolio', 'BAD_JSON'], 'is not valid JSON'],
    [['--portfolio', 'UNKNOWN_INSTR'], 'positions[0].instrument: unknown instrument "ETH-FOO"'],
    [['--portfolio', 'BAD_AMOUNT'], 'balances[0].amount: not a decimal amount'],
    [['--portfolio', 'ARRAY_BAD'], 'portfolio[1].balances[0].asset: unknown asset "DOGE"'],
    [['--portfolio', 'OK', '--time', 'yesterday'], '--time: expected unix seconds'],
    [['--portfolio', 'OK', '--market', 'BAD_MARKET'], 'market.underlyings.ETH.vol: must be > 0'],
    [['--portfolio', 'OK', '--params', 'BAD_PARAMS'], 'params.haircut.WETH: expected a finite number'],
    [['--portfolio', 'OK', '--frobnicate'], '--frobnicate: unknown option'],
  ])('bad input %j → exit 2 naming the field', async (args, message) => {
    // Written once: the cases run concurrently, and rewriting a file another case's CLI is
    // reading would race.
    filesOnce ??= {
      BAD_JSON: file('bad.json', '{nope'),
      UNKNOWN_INSTR: file('u.json', { positions: [{ instrument: 'ETH-FOO', size: 1 }] }),
      BAD_AMOUNT: file('a.json', { balances: [{ asset: 'USDC', amount: '1e5' }] }),
      ARRAY_BAD: file('ab.json', [{}, { balances: [{ asset: 'DOGE', amount: '1' }] }]),
      OK: file('ok.json', { balances: [] }),
      BAD_MARKET: file('bm.json', { underlyings: { ETH: { vol: -1 } } }),
      BAD_PARAMS: file('bp.json', { haircut: { WETH: 'high' } }),
    }
    const files = filesOnce
    const r = await spawnCli(args.map((a) => files[a] ?? a))
    expect(r.code).toBe(2)
    expect(r.stdout).toBe('')
    expect(r.stderr).toContain(message)
  })

  it('runRiskCli accepts a raw process.argv and returns the exit code', async () => {
    let out = ''
    let err = ''
    const io = { stdout: { write: (s: string) => (out += s) }, stderr: { write: (s: string) => (err += s) } }
    const code = await runRiskCli(
      ['node', 'unimargin', 'risk', '--portfolio', file('b.json', { balances: [{ asset: 'USDC', amount: '-10' }] })],
      io,
    )
    expect(code).toBe(0)
    expect(err).toBe('')
    expect(JSON.parse(out).equity).toBe('-10')
    expect(JSON.parse(out).liquidatable).toBe(true)
  })
})
