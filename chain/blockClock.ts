/**
 * The clock blocks are stamped with: the wall clock plus an offset that `evm_increaseTime` moves,
 * and a timestamp `evm_setNextBlockTimestamp` sets for the next block only, after which time runs
 * on from it (Anvil's `TimeManager`). Only the producer reads it: the timestamp is in the header,
 * so followers and importers reproduce a block whatever this clock said.
 */
import { TimestampError } from './errors.ts'

/** Unix seconds of the wall clock. */
const wallSeconds = (): bigint => BigInt(Math.floor(Date.now() / 1000))

export class BlockClock {
  private offsetSeconds = 0n
  private nextExact?: bigint

  /** @param now unix seconds of the wall clock (a test passes its own). */
  constructor(private readonly now: () => bigint = wallSeconds) {}

  /** Seconds the clock runs ahead of the wall clock (negative: behind). */
  get offset(): bigint {
    return this.offsetSeconds
  }

  /**
   * Moves the clock forward by `seconds` (`evm_increaseTime`); returns the total offset, as Anvil does.
   *
   * @example
   * clock.increase(86_400n) // 86400n: blocks from now on are a day ahead
   */
  increase(seconds: bigint): bigint {
    this.offsetSeconds += seconds
    return this.offsetSeconds
  }

  /**
   * The next block's timestamp, unix seconds (`evm_setNextBlockTimestamp`).
   *
   * @throws TimestampError when it is before `headTimestamp`.
   */
  setNext(timestamp: bigint, headTimestamp: bigint): void {
    if (timestamp < headTimestamp) throw new TimestampError(timestamp, headTimestamp)
    this.nextExact = timestamp
  }

  /** The timestamp of the block after a parent stamped `parentTimestamp`: never before it. */
  next(parentTimestamp: bigint): bigint {
    const t = this.nextExact ?? this.now() + this.offsetSeconds
    return t > parentTimestamp ? t : parentTimestamp
  }

  /** A block stamped by `next` was committed: a set timestamp is spent, and time runs on from it. */
  spent(timestamp: bigint): void {
    if (this.nextExact === undefined) return
    this.offsetSeconds = timestamp - this.now()
    this.nextExact = undefined
  }
}
