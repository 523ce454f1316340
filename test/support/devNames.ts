/**
 * Names of the dev genesis's own options, from its genesis time (the dev genesis is dated when its
 * datadir is born, so its expiries move with it). Walked with Date, independently of
 * risk/expiries.ts: expiry 1 is the first Friday 08:00 UTC at least 30 days after genesis, expiry 2
 * the first at least 90 days after (SPEC 2, 6.4).
 */
import { rpcResult } from './rpc.ts'

/** Unix seconds of the dev genesis's expiry `which` for a genesis at `genesisTs`. */
export function devExpiry(genesisTs: number | bigint, which: 1 | 2): number {
  const d = new Date((Number(genesisTs) + (which === 1 ? 30 : 90) * 86_400) * 1000)
  const from = d.getTime()
  d.setUTCHours(8, 0, 0, 0)
  while (d.getUTCDay() !== 5 || d.getTime() < from) d.setUTCDate(d.getUTCDate() + 1)
  return d.getTime() / 1000
}

/** The name of a dev option, e.g. `devOptionName(ts, 'ETH', 1, 3000, 'C')` → `ETH-20270108-3000-C`. */
export function devOptionName(genesisTs: number | bigint, underlying: string, which: 1 | 2, strike: number, kind: 'C' | 'P'): string {
  const ymd = new Date(devExpiry(genesisTs, which) * 1000).toISOString().slice(0, 10).replaceAll('-', '')
  return `${underlying}-${ymd}-${strike}-${kind}`
}

/** The genesis time of the node at `url` (its block 0). */
export async function genesisTimeOf(url: string): Promise<bigint> {
  const block = await rpcResult<{ timestamp: string }>(url, 'eth_getBlockByNumber', ['0x0', false])
  return BigInt(block.timestamp)
}
