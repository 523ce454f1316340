import { readFile } from 'node:fs/promises'
import { BaseError } from '../lib/errors.ts'
import {
  devMarket,
  devRiskParams,
  InvalidMarketError,
  InvalidPortfolioError,
  patchMarketPrices,
  patchRiskParams,
  simulateMargin,
} from '../risk/index.ts'

/** Where the CLI writes. */
export interface CliIo {
  stdout: { write(text: string): unknown }
  stderr: { write(text: string): unknown }
}

const USAGE = `usage: unimargin risk --portfolio FILE [--market FILE] [--params FILE] [--time UNIX]

Prints the margin_simulate report (SPEC section 5) of the portfolio in FILE as JSON, or an
array of reports for an array of portfolios. --market patches underlying prices/vols
({"underlyings": {"ETH": {"price": 3000, "vol": 0.6}}}), --params patches the risk parameters;
both default to the dev genesis. --time defaults to now (unix seconds).
`

/** Bad command-line input: reported on stderr with exit code 2. */
class UsageError extends BaseError {
  override name = 'UsageError'
}

function parseArgs(argv: string[]): Record<string, string> {
  const start = argv.findIndex((a) => a.startsWith('-'))
  const args = start < 0 ? [] : argv.slice(start)
  const opts: Record<string, string> = {}
  for (let k = 0; k < args.length; k++) {
    const arg = args[k]
    if (arg === '-h' || arg === '--help') {
      opts.help = '1'
      continue
    }
    const m = /^--(portfolio|market|params|time)(?:=(.*))?$/.exec(arg)
    if (!m) throw new UsageError(`${arg}: unknown option`)
    const value = m[2] ?? args[++k]
    if (value === undefined || (m[2] === undefined && value.startsWith('--'))) {
      throw new UsageError(`--${m[1]}: missing value`)
    }
    opts[m[1]] = value
  }
  return opts
}

async function readJson(option: string, file: string): Promise<unknown> {
  let text: string
  try {
    text = await readFile(file, 'utf8')
  } catch (err) {
    throw new UsageError(`--${option}: cannot read ${file}: ${(err as Error).message}`)
  }
  try {
    return JSON.parse(text)
  } catch (err) {
    throw new UsageError(`--${option}: ${file} is not valid JSON: ${(err as Error).message}`)
  }
}

/**
 * `unimargin risk` (SPEC section 1). `argv` is the option list; anything before the first
 * `-…` argument (node, script path, the word `risk`) is ignored, so a raw `process.argv` works.
 * Reads the files (the only I/O of execution/risk), then runs the pure kernel.
 *
 * @returns 0 on success, 2 on bad input (message naming the field on stderr), 1 on a bug.
 * @example await runRiskCli(['--portfolio', 'p.json', '--time', '1767225600'], process)
 */
export async function runRiskCli(argv: string[], io: CliIo): Promise<number> {
  try {
    const opts = parseArgs(argv)
    if (opts.help) {
      io.stdout.write(USAGE)
      return 0
    }
    if (opts.portfolio === undefined) throw new UsageError('--portfolio: required')
    let nowSeconds = Math.floor(Date.now() / 1000)
    if (opts.time !== undefined) {
      if (!/^\d+$/.test(opts.time)) throw new UsageError(`--time: expected unix seconds, got "${opts.time}"`)
      nowSeconds = Number(opts.time)
    }
    const market = opts.market ? patchMarketPrices(devMarket, await readJson('market', opts.market)) : devMarket
    const params = opts.params ? patchRiskParams(devRiskParams, await readJson('params', opts.params)) : devRiskParams
    const input = await readJson('portfolio', opts.portfolio)
    let result: unknown
    if (Array.isArray(input)) {
      result = input.map((p, i) => {
        try {
          return simulateMargin(market, params, nowSeconds, p)
        } catch (err) {
          if (err instanceof InvalidPortfolioError) {
            throw new UsageError(`portfolio[${i}].${err.field}: ${err.message.slice(err.field.length + 2)}`)
          }
          throw err
        }
      })
    } else result = simulateMargin(market, params, nowSeconds, input)
    io.stdout.write(`${JSON.stringify(result, null, 2)}\n`)
    return 0
  } catch (err) {
    if (err instanceof UsageError || err instanceof InvalidPortfolioError || err instanceof InvalidMarketError) {
      io.stderr.write(`unimargin risk: ${err.message}\n`)
      return 2
    }
    io.stderr.write(`unimargin risk: internal error: ${(err as Error)?.stack ?? String(err)}\n`)
    return 1
  }
}
