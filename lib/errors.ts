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
