/**
 * A refused step as a value (STYLE: refusals are values in results, not exceptions): `ok: false`
 * and the revert reason, which is all a caller compares or prints, with the domain error behind
 * it on `error` (not an own property, so a refusal compares and serialises as `{ ok, reason }`),
 * for a precompile to throw at its boundary.
 */
import type { RefusalError } from './errors.ts'

/**
 * @example
 * if (!members.includes(voter)) return new Refusal(new NotCouncilError(voter))
 * // { ok: false, reason: 'not council' }, .error instanceof NotCouncilError
 */
export class Refusal<E extends RefusalError = RefusalError> {
  readonly ok = false
  /** The revert reason: `error.shortMessage`. */
  readonly reason: string
  readonly #error: E

  constructor(error: E) {
    this.#error = error
    this.reason = error.shortMessage
  }

  /** The refusal as a domain error (execution/errors.ts). */
  get error(): E {
    return this.#error
  }
}
