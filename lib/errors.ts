/**
 * The one error base of the project. Domain errors extend it and carry their fields; they know
 * nothing of JSON-RPC — `rpc/errors.ts` maps them to codes, once.
 *
 * @example
 * throw new NonceTooLowError({ sender, expected: 3n, got: 1n })
 */
export class BaseError extends Error {
  override name = 'BaseError'
  /** The short sentence a user sees first. */
  readonly shortMessage: string
  /** Extra detail, shown after the short message. */
  readonly details?: string

  constructor(shortMessage: string, opts: { cause?: unknown; details?: string } = {}) {
    super(opts.details ? `${shortMessage}\n\nDetails: ${opts.details}` : shortMessage, {
      cause: opts.cause,
    })
    this.shortMessage = shortMessage
    this.details = opts.details
  }

  /** Walks the cause chain and returns the first error `fn` accepts (or the last one). */
  walk(fn?: (err: unknown) => boolean): unknown {
    let err: unknown = this
    while (err instanceof Error && err.cause !== undefined) {
      if (fn?.(err)) return err
      err = err.cause
    }
    return fn ? (fn(err) ? err : undefined) : err
  }
}

/**
 * A value that does not fit where it goes: an int256 storage word, an ABI word, the bounds of a
 * balance or a size. Raised where the value is computed (a premium, a P&L, an equity), it reverts
 * the call that computed it with `"<what> out of range"`.
 */
export class ValueOutOfRangeError extends BaseError {
  override name = 'ValueOutOfRangeError'
  constructor(
    /** What the value is (`premium`, `balance`, `equity`). */
    readonly what: string,
    readonly value: bigint | number,
  ) {
    super(`${what} out of range`, { details: `value ${value}` })
  }
}

/**
 * The store failed under the chain (an I/O error, a missing trie node): the one failure that is
 * fatal. The node stops without committing the block in progress.
 */
export class StoreFailureError extends BaseError {
  override name = 'StoreFailureError'
}

/**
 * Whether `err` is a failure of the store itself rather than of what a user sent: our
 * `StoreFailureError`, a LevelDB error (`LEVEL_*` codes), or the trie's missing node.
 */
export function isStoreFailure(err: unknown): boolean {
  for (let e: unknown = err, depth = 0; e instanceof Error && depth < 8; e = e.cause, depth++) {
    if (e instanceof StoreFailureError) return true
    const code = (e as { code?: unknown }).code
    if (typeof code === 'string' && code.startsWith('LEVEL_')) return true
    if (e.message === 'Missing node in DB') return true
  }
  return false
}
