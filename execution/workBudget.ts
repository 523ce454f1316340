/**
 * Bounded EVM work on the one JavaScript thread. The @ethereumjs interpreter awaits the handler
 * of an async opcode, so the opcodes that every unbounded computation must keep passing through
 * get a handler that first asks a `WorkBudget` whether to go on: JUMP and JUMPI (every loop
 * jumps), and the CALL and CREATE families (every new frame, so recursion and precompile calls
 * are counted too). Between two of them a frame runs straight-line code, at most its code size.
 *
 * The budget yields to the event loop (`setImmediate`: timers and sockets get their turn) once
 * the work has held it for `yieldAfterMs`, and throws `WorkBudgetExceeded` past its deadline or
 * once its signal aborts. eth_call and eth_estimateGas run with a deadline; block production
 * runs without one (a mined transaction runs to its gas) and only yields, and stops on shutdown.
 */
import type { Common } from '@ethereumjs/common'
import { getOpcodesForHF, paramsEVM } from '@ethereumjs/evm'

/** geth's `--rpc.evmtimeout` default: how long one eth_call may run, milliseconds. */
export const RPC_EVM_TIMEOUT_MS = 5_000
/** Longest stretch the EVM holds the event loop before it yields, milliseconds. */
export const YIELD_AFTER_MS = 4
/** The clock is read every this many checks (a jump costs ~100 ns, the clock ~40 ns). */
const CHECK_EVERY = 16

/** Why a budget stopped the work. */
export type BudgetStop = 'timeout' | 'aborted'

/**
 * Thrown from inside the EVM when a budget stops the work: not an EVM error, so it leaves
 * `runCall`/`runTx` as an exception (the interpreter re-throws non-EVM errors) and the caller
 * turns it into its answer. Never reaches JSON-RPC as such.
 */
export class WorkBudgetExceeded extends Error {
  override name = 'WorkBudgetExceeded'
  constructor(
    readonly reason: BudgetStop,
    /** The budget's time limit, for `execution aborted (timeout = 5s)`. */
    readonly timeoutMs?: number,
  ) {
    super(reason === 'timeout' ? `execution aborted (timeout = ${formatDuration(timeoutMs ?? 0)})` : 'execution aborted')
  }
}

/** `5000` → `5s`, `1500` → `1.5s`, `90000` → `1m30s`, `50` → `50ms`, as Go prints a `time.Duration`. */
export function formatDuration(ms: number): string {
  if (ms < 1000) return `${ms}ms`
  if (ms < 60_000) return `${ms / 1000}s`
  return `${Math.floor(ms / 60_000)}m${(ms % 60_000) / 1000}s`
}

export interface WorkBudgetOptions {
  /** Time limit from now, milliseconds; none: the work runs to its gas. */
  timeoutMs?: number
  /** An absolute `performance.now()` deadline (a batch's); the earlier of the two applies. */
  deadline?: number
  /** Aborting stops the work at its next check (shutdown). */
  signal?: AbortSignal
  /** Yield after holding the event loop this long, milliseconds (default `YIELD_AFTER_MS`). */
  yieldAfterMs?: number
}

/**
 * How long, and how greedily, a piece of EVM work may run. One budget may span several
 * executions (the attempts of one estimate share its deadline).
 *
 * @example
 * const budget = new WorkBudget({ timeoutMs: RPC_EVM_TIMEOUT_MS, signal })
 * const evm = await createEVM({ …, customOpcodes: budgetOpcodes(common, budget) })
 */
export class WorkBudget {
  /** `performance.now()` after which `check` throws; Infinity for none. */
  readonly deadline: number
  /** The time limit that binds, ms (its own or what was left of a shared deadline); none without. */
  readonly timeoutMs?: number
  private readonly signal?: AbortSignal
  private readonly yieldAfterMs: number
  private lastYield = performance.now()
  private ticks = 0

  constructor(opts: WorkBudgetOptions = {}) {
    const now = performance.now()
    const own = opts.timeoutMs === undefined ? Infinity : now + opts.timeoutMs
    this.deadline = Math.min(own, opts.deadline ?? Infinity)
    // The limit that binds, for the error: its own, or what is left of a batch's.
    this.timeoutMs = this.deadline === own ? opts.timeoutMs : Math.max(0, Math.round(this.deadline - now))
    this.signal = opts.signal
    this.yieldAfterMs = opts.yieldAfterMs ?? YIELD_AFTER_MS
  }

  /**
   * Called at every jump and new frame: undefined to go on at once, a promise to go on after the
   * event loop's turn, or throws `WorkBudgetExceeded`.
   */
  check(): Promise<void> | undefined {
    if (++this.ticks < CHECK_EVERY) return undefined
    this.ticks = 0
    if (this.signal?.aborted) throw new WorkBudgetExceeded('aborted')
    const now = performance.now()
    if (now > this.deadline) throw new WorkBudgetExceeded('timeout', this.timeoutMs)
    if (now - this.lastYield < this.yieldAfterMs) return undefined
    return new Promise<void>((resolve) =>
      setImmediate(() => {
        this.lastYield = performance.now()
        resolve()
      }),
    )
  }

  /** Throws `WorkBudgetExceeded` if the budget is spent or aborted (between executions). */
  assertOpen(): void {
    if (this.signal?.aborted) throw new WorkBudgetExceeded('aborted')
    if (performance.now() > this.deadline) throw new WorkBudgetExceeded('timeout', this.timeoutMs)
  }
}

/** JUMP, JUMPI; CALL, CALLCODE, DELEGATECALL, STATICCALL; CREATE, CREATE2. */
const BUDGETED_OPCODES = [0x56, 0x57, 0xf1, 0xf2, 0xf4, 0xfa, 0xf0, 0xf5] as const

type Handler = (runState: unknown, common: Common) => void | Promise<void>
type GasHandler = (runState: unknown, gas: bigint, common: Common) => Promise<bigint> | bigint

/** The fork's opcode tables, built once per `Common` (its hardfork is fixed: execution/common.ts). */
const forkTables = new WeakMap<Common, ReturnType<typeof getOpcodesForHF>>()

/** The shape of @ethereumjs/evm's `customOpcodes` entries (an "add opcode"). */
export interface BudgetOpcode {
  opcode: number
  opcodeName: string
  baseFee: number
  gasFunction?: GasHandler
  logicFunction: Handler
}

/**
 * `customOpcodes` for `createEVM`: the fork's own handlers of the budgeted opcodes, each behind
 * `budget.check()`. Gas, semantics and results are unchanged; only timing and the exception on
 * a spent budget differ.
 */
export function budgetOpcodes(common: Common, budget: WorkBudget): BudgetOpcode[] {
  let tables = forkTables.get(common)
  if (tables === undefined) {
    // The EVM's gas parameters, which `createEVM` adds to the Common it is given, on a copy.
    const withEvmParams = common.copy()
    withEvmParams.updateParams(paramsEVM)
    tables = getOpcodesForHF(withEvmParams)
    forkTables.set(common, tables)
  }
  const { opcodes, handlers, dynamicGasHandlers } = tables
  return BUDGETED_OPCODES.map((code) => {
    const info = opcodes.get(code)
    const run = handlers.get(code) as unknown as Handler | undefined
    if (info === undefined || run === undefined) throw new Error(`opcode 0x${code.toString(16)} missing at this fork`)
    const logicFunction: Handler = info.isAsync
      ? async (runState, c) => {
          const wait = budget.check()
          if (wait !== undefined) await wait
          await run(runState, c)
        }
      : (runState, c) => {
          const wait = budget.check()
          if (wait === undefined) return run(runState, c)
          return wait.then(() => run(runState, c))
        }
    return {
      opcode: code,
      opcodeName: info.name,
      baseFee: info.fee,
      gasFunction: dynamicGasHandlers.get(code) as unknown as GasHandler | undefined,
      logicFunction,
    }
  })
}
