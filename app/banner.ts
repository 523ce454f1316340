/**
 * The start-up output: what a developer needs to start sending transactions, printed the way
 * Anvil prints it (chain, accounts with keys for the dev genesis, the RPC URL).
 */

import type { Block } from '@ethereumjs/block'
import { bytesToHex } from '@ethereumjs/util'
import { formatEther } from 'viem'
import { DEV_ACCOUNTS } from '../genesis/dev.ts'
import type { Genesis } from '../genesis/types.ts'

export interface BannerInfo {
  version: string
  genesis: Genesis
  /** Path of the genesis file, or undefined for the embedded dev genesis. */
  genesisFile?: string
  datadir: string
  head: Block
  blockTimeMs: number
}

/** Renders the banner (without the final `listening on` line). */
export function renderBanner(info: BannerInfo): string {
  const lines: string[] = []
  const head = info.head.header
  lines.push(`unimargin ${info.version} — Universal Margin Account sequencer`, '')
  lines.push(`Chain ID        ${info.genesis.chainId}`)
  lines.push(`Genesis         ${info.genesisFile ?? 'dev (embedded)'}`)
  lines.push(`Datadir         ${info.datadir}`)
  lines.push(`Head            #${head.number} ${bytesToHex(info.head.hash())}`)
  lines.push(`State root      ${bytesToHex(head.stateRoot)}`)
  lines.push(`Block time      ${info.blockTimeMs} ms`)
  lines.push(`Gas limit       ${info.genesis.gasLimit}`)
  const known = DEV_ACCOUNTS.filter(([a]) => info.genesis.alloc[a.toLowerCase() as `0x${string}`] !== undefined)
  if (known.length > 0) {
    lines.push('', 'Available Accounts', '==================')
    known.forEach(([a], i) => {
      const bal = info.genesis.alloc[a.toLowerCase() as `0x${string}`].balance
      lines.push(`(${i}) ${a} (${formatEther(bal)} ETH at genesis)`)
    })
    lines.push('', 'Private Keys', '==================')
    known.forEach(([, k], i) => lines.push(`(${i}) ${k}`))
    lines.push('', 'Wallet', '==================')
    lines.push('Mnemonic:          test test test test test test test test test test test junk')
    lines.push("Derivation path:   m/44'/60'/0'/0/")
  }
  lines.push('')
  return lines.join('\n')
}
