/**
 * Compiles Solidity with the `solc` npm package (solc-js, the compiler bundled as WebAssembly: no
 * download). Used by the tests and by the bridge's L1 contracts.
 */
import { createHash } from 'node:crypto'
import solc from 'solc'
import type { Abi, Hex } from 'viem'
import { BaseError } from './errors.ts'

/** One compiled contract. */
export interface CompiledContract {
  abi: Abi
  /** Creation code, 0x-prefixed. */
  bytecode: Hex
  /** Runtime code as deployed, 0x-prefixed. */
  deployedBytecode: Hex
}

export interface CompileOptions {
  /** EVM version to target; `cancun` by default. */
  evmVersion?: string
  /** Optimizer runs; the optimizer is always on. 200 by default. */
  optimizerRuns?: number
  /** Compile through the IR pipeline (`viaIR`); off by default. */
  viaIR?: boolean
}

/** Compilation failed; `errors` holds the compiler's formatted messages (also the details). */
export class SolidityCompileError extends BaseError {
  override name = 'SolidityCompileError'
  constructor(readonly errors: string[]) {
    super('solc: compilation failed', { details: errors.join('\n') })
  }
}

interface SolcError {
  severity: 'error' | 'warning' | 'info'
  formattedMessage?: string
  message: string
}

interface SolcOutput {
  errors?: SolcError[]
  contracts?: Record<string, Record<string, { abi: Abi; evm: { bytecode: { object: string }; deployedBytecode: { object: string } } }>>
}

const cache = new Map<string, Record<string, CompiledContract>>()

/**
 * Compiles a set of Solidity sources (file name → source text) with solc's standard JSON
 * interface, optimizer on. Returns every contract by name; a name defined in two files is also
 * available as `file:Name`. Results are cached in memory by a hash of sources and options.
 *
 * @throws SolidityCompileError with the compiler's messages when any error is reported.
 * @example
 * const { Counter } = compileSolidity({ 'Counter.sol': 'contract Counter { uint x; }' })
 * await wallet.deployContract({ abi: Counter.abi, bytecode: Counter.bytecode })
 */
export function compileSolidity(sources: Record<string, string>, opts: CompileOptions = {}): Record<string, CompiledContract> {
  const settings = {
    evmVersion: opts.evmVersion ?? 'cancun',
    optimizer: { enabled: true, runs: opts.optimizerRuns ?? 200 },
    viaIR: opts.viaIR ?? false,
    outputSelection: { '*': { '*': ['abi', 'evm.bytecode.object', 'evm.deployedBytecode.object'] } },
  }
  const input = {
    language: 'Solidity',
    sources: Object.fromEntries(Object.entries(sources).map(([name, content]) => [name, { content }])),
    settings,
  }
  const key = createHash('sha256').update(JSON.stringify(input)).digest('hex')
  const hit = cache.get(key)
  if (hit) return hit

  const output = JSON.parse(solc.compile(JSON.stringify(input))) as SolcOutput
  const errors = (output.errors ?? []).filter((e) => e.severity === 'error').map((e) => (e.formattedMessage ?? e.message).trim())
  if (errors.length > 0) throw new SolidityCompileError(errors)

  const result: Record<string, CompiledContract> = {}
  for (const [file, contracts] of Object.entries(output.contracts ?? {})) {
    for (const [name, c] of Object.entries(contracts)) {
      const compiled: CompiledContract = {
        abi: c.abi,
        bytecode: `0x${c.evm.bytecode.object}`,
        deployedBytecode: `0x${c.evm.deployedBytecode.object}`,
      }
      result[`${file}:${name}`] = compiled
      if (!(name in result)) result[name] = compiled
    }
  }
  cache.set(key, result)
  return result
}
