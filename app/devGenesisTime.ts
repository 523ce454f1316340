/**
 * The dev genesis's birth time, kept in the datadir: the dev genesis is dated at the time its
 * datadir is first used (genesis/dev.ts), and that time is written to
 * `DATADIR/dev-genesis-timestamp` so every later start rebuilds the same genesis (same hash) and
 * resumes the chain instead of refusing it (`GenesisMismatchError`).
 */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'

/** The file, inside the datadir, that holds the dev genesis time (unix seconds, decimal). */
export const DEV_GENESIS_TIME_FILE = 'dev-genesis-timestamp'

/**
 * The dev genesis time of `datadir`: the one it was created with, else `now` (written down).
 *
 * @param now unix seconds to use for a new datadir.
 * @throws Error naming the file when it holds no unix time.
 * @example const genesis = devGenesis(devGenesisTime('./data'))
 */
export function devGenesisTime(datadir: string, now: number = Math.floor(Date.now() / 1000)): number {
  const file = join(datadir, DEV_GENESIS_TIME_FILE)
  if (existsSync(file)) {
    const text = readFileSync(file, 'utf8').trim()
    if (!/^\d{1,12}$/.test(text)) throw new Error(`${file}: must hold the dev genesis time in unix seconds, not ${JSON.stringify(text)}`)
    return Number(text)
  }
  mkdirSync(datadir, { recursive: true })
  writeFileSync(file, `${now}\n`)
  return now
}
