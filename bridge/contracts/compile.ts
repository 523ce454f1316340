/**
 * Compiles the bridge's L1 contracts (`Portal.sol`, `TestToken.sol` beside this file) with the
 * `solc` npm package (solc-js, the compiler bundled as WebAssembly: no download), optimizer on,
 * EVM version cancun. The output is cached in memory and in the OS temp directory under a hash of
 * the sources, the compiler version and the settings, so a fresh process pays the ~seconds of
 * compilation once per change of the sources.
 *
 * A generic `lib/solc.ts` is being written on another branch; once it lands this file can keep
 * only `compileBridgeContracts` and delegate to it.
 */
import { createHash } from 'node:crypto'
import { existsSync, readFileSync, renameSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import solc from 'solc'
import type { Abi, Hex } from 'viem'
import { BaseError } from '../../lib/errors.ts'

/** One compiled contract. */
export interface CompiledContract {
  abi: Abi
  /** Creation code, 0x-prefixed. */
  bytecode: Hex
  /** Runtime code as deployed, 0x-prefixed. */
  deployedBytecode: Hex
}

/** The bridge's compiled L1 contracts. */
export interface BridgeContracts {
  Portal: CompiledContract
  TestToken: CompiledContract
}

/** solc reported errors; `errors` holds its formatted messages. */
export class SolidityCompileError extends BaseError {
  override name = 'SolidityCompileError'
  constructor(readonly errors: string[]) {
    super('solc: compilation failed', { details: errors.join('\n') })
  }
}

const here = dirname(fileURLToPath(import.meta.url))
const SETTINGS = {
  evmVersion: 'cancun',
  optimizer: { enabled: true, runs: 200 },
  outputSelection: { '*': { '*': ['abi', 'evm.bytecode.object', 'evm.deployedBytecode.object'] } },
}
let memo: BridgeContracts | undefined

/** The Solidity sources of the bridge contracts, file name → text. */
export function bridgeSources(): Record<string, string> {
  return {
    'Portal.sol': readFileSync(join(here, 'Portal.sol'), 'utf8'),
    'TestToken.sol': readFileSync(join(here, 'TestToken.sol'), 'utf8'),
  }
}

/**
 * Compiles a set of Solidity sources (file name → text) and returns every contract by name,
 * without any cache.
 *
 * @throws SolidityCompileError when solc reports an error.
 */
export function compileSources(sources: Record<string, string>): Record<string, CompiledContract> {
  const input = {
    language: 'Solidity',
    sources: Object.fromEntries(Object.entries(sources).map(([n, content]) => [n, { content }])),
    settings: SETTINGS,
  }
  const output = JSON.parse(solc.compile(JSON.stringify(input))) as {
    errors?: { severity: string; formattedMessage?: string; message: string }[]
    contracts?: Record<string, Record<string, { abi: Abi; evm: Record<string, { object: string }> }>>
  }
  const errors = (output.errors ?? [])
    .filter((e) => e.severity === 'error')
    .map((e) => (e.formattedMessage ?? e.message).trim())
  if (errors.length > 0) throw new SolidityCompileError(errors)
  const out: Record<string, CompiledContract> = {}
  for (const contracts of Object.values(output.contracts ?? {})) {
    for (const [name, c] of Object.entries(contracts)) {
      out[name] = {
        abi: c.abi,
        bytecode: `0x${c.evm.bytecode.object}`,
        deployedBytecode: `0x${c.evm.deployedBytecode.object}`,
      }
    }
  }
  return out
}

/**
 * The compiled Portal and TestToken, from the memory cache, the disk cache or a fresh compile.
 *
 * @example
 * const { Portal } = compileBridgeContracts()
 * await wallet.deployContract({ abi: Portal.abi, bytecode: Portal.bytecode, args })
 */
export function compileBridgeContracts(): BridgeContracts {
  if (memo) return memo
  const sources = bridgeSources()
  const key = createHash('sha256')
    .update(JSON.stringify({ v: solc.version(), SETTINGS, sources }))
    .digest('hex')
    .slice(0, 16)
  const file = join(tmpdir(), `unimargin-bridge-solc-${key}.json`)
  if (existsSync(file)) {
    try {
      memo = JSON.parse(readFileSync(file, 'utf8')) as BridgeContracts
      return memo
    } catch {
      // A torn or foreign file: compile again and overwrite it.
    }
  }
  const all = compileSources(sources)
  memo = { Portal: all.Portal, TestToken: all.TestToken }
  const tmp = `${file}.${process.pid}.tmp`
  writeFileSync(tmp, JSON.stringify(memo))
  renameSync(tmp, file)
  return memo
}
