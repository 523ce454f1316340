/**
 * Matching logs against an eth_getLogs / subscription filter, and the header-bloom pre-check
 * that lets a range scan skip blocks without reading their receipts.
 */
import { hexToBytes } from '@ethereumjs/util'
import { keccak256 } from 'viem'
import type { Hex, LogFilter, StoredLog } from './types.ts'

/** True when `log` satisfies the address and topic constraints of `filter`. */
export function logMatches(log: Pick<StoredLog, 'address' | 'topics'>, filter: Pick<LogFilter, 'addresses' | 'topics'>): boolean {
  if (filter.addresses && filter.addresses.length > 0) {
    const a = log.address.toLowerCase()
    if (!filter.addresses.some((x) => x.toLowerCase() === a)) return false
  }
  if (filter.topics) {
    for (let i = 0; i < filter.topics.length; i++) {
      const want = filter.topics[i]
      if (want === null || want === undefined) continue
      const have = log.topics[i]?.toLowerCase()
      if (have === undefined) return false
      const options = Array.isArray(want) ? want : [want]
      if (options.length > 0 && !options.some((t) => t.toLowerCase() === have)) return false
    }
  }
  return true
}

function bloomHas(bloom: Uint8Array, value: Uint8Array): boolean {
  const h = keccak256(value, 'bytes')
  for (let i = 0; i < 6; i += 2) {
    const bit = ((h[i] << 8) | h[i + 1]) & 2047
    const byte = 255 - (bit >> 3)
    if ((bloom[byte] & (1 << (bit & 7))) === 0) return false
  }
  return true
}

/** False only when the block's logs bloom proves no log of the block can match. */
export function bloomMayMatch(bloom: Uint8Array, filter: Pick<LogFilter, 'addresses' | 'topics'>): boolean {
  if (filter.addresses && filter.addresses.length > 0) {
    if (!filter.addresses.some((a) => bloomHas(bloom, hexToBytes(a as Hex)))) return false
  }
  for (const want of filter.topics ?? []) {
    if (want === null || want === undefined) continue
    const options = Array.isArray(want) ? want : [want]
    if (options.length > 0 && !options.some((t) => bloomHas(bloom, hexToBytes(t)))) return false
  }
  return true
}
