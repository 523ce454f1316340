import { BaseError } from '../lib/errors.ts'

/** A genesis file that cannot be used; `field` is the JSON path of the offending value. */
export class GenesisError extends BaseError {
  override name = 'GenesisError'
  constructor(
    readonly field: string,
    problem: string,
  ) {
    super(`genesis: ${field}: ${problem}`)
  }
}
