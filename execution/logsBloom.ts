/**
 * Logs blooms as hex, the cheap way for the common case: a transaction without logs has the
 * all-zero bloom, whose hex (514 characters) is built once instead of per receipt.
 */
import { bytesToHex } from '@ethereumjs/util'
import { ZERO_BLOOM_HEX } from '../state/receiptCodec.ts'
import type { Hex } from '../state/types.ts'

/** `bytesToHex(bloom)`, without the work when the bloom is all zero. */
export function bloomToHex(bloom: Uint8Array): Hex {
  for (let i = 0; i < bloom.length; i++) if (bloom[i] !== 0) return bytesToHex(bloom) as Hex
  return bloom.length === 256 ? ZERO_BLOOM_HEX : (bytesToHex(bloom) as Hex)
}
