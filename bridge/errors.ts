/**
 * The bridge's domain errors. They carry their fields and know nothing of JSON-RPC.
 */
import type { Address } from 'viem'
import { BaseError } from '../lib/errors.ts'

/** The L1's JSON-RPC failed or did not answer; the watcher and poster pause and retry. */
export class L1UnavailableError extends BaseError {
  override name = 'L1UnavailableError'
  constructor(
    readonly url: string | undefined,
    opts: { cause?: unknown } = {},
  ) {
    super(`L1 unavailable${url ? ` at ${url}` : ''}`, { cause: opts.cause })
  }
}

/** The L1 answered with another chain id than the source's configuration names. */
export class WrongL1ChainError extends BaseError {
  override name = 'WrongL1ChainError'
  constructor(
    readonly expected: number,
    readonly got: number,
  ) {
    super(`L1 chain id is ${got}, the bridge source expects ${expected}`)
  }
}

/** A withdrawal names a token whose L1 decimals the bridge was not given. */
export class UnknownTokenError extends BaseError {
  override name = 'UnknownTokenError'
  constructor(readonly token: Address) {
    super(`unknown L1 token ${token}: no decimals configured`)
  }
}

/** `bridge_getWithdrawal` was asked for an id the L2 never recorded. */
export class UnknownWithdrawalError extends BaseError {
  override name = 'UnknownWithdrawalError'
  constructor(readonly id: bigint) {
    super(`unknown withdrawal ${id}`)
  }
}

/** A bridge read that needs the commitment poster, on a node that runs none (no sequencer key). */
export class NoCommitmentPosterError extends BaseError {
  override name = 'NoCommitmentPosterError'
  constructor() {
    super('this node posts no commitments (no sequencer key): withdrawal proofs are unavailable')
  }
}
