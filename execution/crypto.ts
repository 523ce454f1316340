/**
 * Native secp256k1 sender recovery for `Common`'s `customCrypto`: ~100 µs per signature
 * instead of ~2,700 µs for the pure-JS curve (measured, DESIGN.md). The `secp256k1` package
 * ships prebuilt binaries; if they cannot load, the pure-JS path of @ethereumjs stays in use.
 */
import { createRequire } from 'node:module'
import type { CustomCrypto } from '@ethereumjs/common'
import { calculateSigRecovery, concatBytes, setLengthLeft } from '@ethereumjs/util'
import { keccak256 } from '../lib/keccak.ts'

interface NativeSecp {
  ecdsaRecover(sig: Uint8Array, recid: number, msg32: Uint8Array, compressed?: boolean): Uint8Array
}

function loadNative(): NativeSecp | undefined {
  try {
    const require = createRequire(import.meta.url)
    // 'secp256k1/bindings' is the native addon alone (no silent pure-JS fallback).
    return require('secp256k1/bindings') as NativeSecp
  } catch {
    return undefined
  }
}

const native = loadNative()

/** True when the native addon loaded. */
export const hasNativeSecp256k1 = native !== undefined

/**
 * Recovers the 64-byte uncompressed public key (without the 0x04 prefix), as @ethereumjs's own
 * `ecrecover` does; throws on an invalid signature.
 */
function nativeEcrecover(msgHash: Uint8Array, v: bigint, r: Uint8Array, s: Uint8Array, chainId?: bigint): Uint8Array {
  const recovery = calculateSigRecovery(v, chainId)
  if (recovery !== 0n && recovery !== 1n) throw new Error('Invalid signature v value')
  const sig = concatBytes(setLengthLeft(r, 32), setLengthLeft(s, 32))
  const pub = native!.ecdsaRecover(sig, Number(recovery), msgHash, false)
  return pub.slice(1)
}

/** The custom crypto to hand to `Common`: the fast keccak, native ecrecover when available. */
export function nodeCrypto(): CustomCrypto {
  return native ? { keccak256, ecrecover: nativeEcrecover } : { keccak256 }
}
