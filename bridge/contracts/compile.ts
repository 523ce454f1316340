/**
 * The bridge's L1 contracts (`Portal.sol`, `TestToken.sol` beside this file), compiled at run
 * time with `lib/solc.ts` (solc-js, optimizer on, EVM cancun; no download). solc-js takes
 * seconds, so the output is also cached on disk in the OS temp directory under a hash of the
 * sources and the compiler version: a fresh process (a test file, `npm run devnet`) pays the
 * compilation once per change of the sources.
 */
import { createHash } from 'node:crypto'
import { existsSync, readFileSync, renameSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import solc from 'solc'
import { type CompiledContract, compileSolidity } from '../../lib/solc.ts'

export type { CompiledContract }

/** The bridge's compiled L1 contracts. */
export interface BridgeContracts {
  Portal: CompiledContract
  TestToken: CompiledContract
}

const here = dirname(fileURLToPath(import.meta.url))
let memo: BridgeContracts | undefined

/** The Solidity sources of the bridge contracts, file name → text. */
export function bridgeSources(): Record<string, string> {
  return {
    'Portal.sol': readFileSync(join(here, 'Portal.sol'), 'utf8'),
    'TestToken.sol': readFileSync(join(here, 'TestToken.sol'), 'utf8'),
  }
}

/**
 * The compiled Portal and TestToken, from the memory cache, the disk cache or a fresh compile.
 *
 * @throws SolidityCompileError (lib/solc.ts) when the sources do not compile.
 * @example
 * const { Portal } = compileBridgeContracts()
 * await wallet.deployContract({ abi: Portal.abi, bytecode: Portal.bytecode, args })
 */
export function compileBridgeContracts(): BridgeContracts {
  if (memo) return memo
  const sources = bridgeSources()
  const key = createHash('sha256')
    .update(JSON.stringify({ v: solc.version(), settings: 'lib/solc defaults', sources }))
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
  const all = compileSolidity(sources)
  memo = { Portal: all.Portal, TestToken: all.TestToken }
  const tmp = `${file}.${process.pid}.tmp`
  writeFileSync(tmp, JSON.stringify(memo))
  renameSync(tmp, file)
  return memo
}
