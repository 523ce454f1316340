/**
 * `unimargin devnet` (`npm run devnet`): a local L1 (Anvil on 127.0.0.1, `--slots-in-an-epoch 2`
 * and 1-second blocks, so `finalized` trails `latest` by 4 blocks: deposits are final in ~5 s),
 * the bridge contracts deployed to it (`deployDevnet`: USDC, WBTC, Portal; L1 tokens minted to
 * the ten dev accounts), and the sequencer on the dev genesis wired to it with the price feeder.
 * It writes `DATADIR/devnet.json` (SPEC section 8) and stops everything on SIGINT/SIGTERM.
 *
 * The sequencer's L1 key is dev account 0's (the portal's `sequencer`): fine for a devnet, never
 * for anything of value. Each run starts a fresh L1, so the L2 chain (in `DATADIR/chain`) starts
 * fresh too: an L2 whose bridge cursors point into a vanished L1 would be wrong.
 *
 * Also here: how `unimargin start --l1-rpc` finds its bridge set-up (genesis `bridge` or
 * `--bridge-config devnet.json`) and its sequencer key.
 */
import { mkdirSync, rmSync, writeFileSync } from 'node:fs'
import { join, resolve } from 'node:path'
import { type Command, Option } from 'commander'
import type { Hex } from 'viem'
import { parseBridgeGenesis } from '../../genesis/validateBridge.ts'
import { LOG_LEVELS } from '../logger.ts'
import type { StartOptions } from '../options.ts'
import { start } from '../start.ts'
import { startAnvil } from './anvil.ts'
import { deployDevnet } from './deployDevnet.ts'

/** `DATADIR/devnet.json` (SPEC section 8), plus where the portal was deployed. */
export interface DevnetJson {
  l1Rpc: string
  l2Rpc: string
  l1ChainId: number
  l2ChainId: number
  portal: Hex
  tokens: { USDC: Hex; WBTC: Hex }
  challengePeriodSeconds: number
  /** The L1 block of the portal's deployment (the deposit scan starts there). */
  portalBlock: number
  /** The sequencer's L1 address (dev account 0). */
  sequencer: Hex
}

interface DevnetOptions extends StartOptions {
  l1Port: number
  l1BlockTime: number
  challengePeriod: number
}

async function devnet(o: DevnetOptions): Promise<void> {
  const datadir = resolve(o.datadir)
  mkdirSync(datadir, { recursive: true })
  const chainDir = join(datadir, 'chain')
  rmSync(chainDir, { recursive: true, force: true })
  const anvil = await startAnvil({
    port: o.l1Port === 0 ? undefined : o.l1Port,
    slotsInAnEpoch: 2,
    blockTimeMs: o.l1BlockTime * 1000,
  })
  try {
    const dep = await deployDevnet({ l1Rpc: anvil.url, challengePeriodSeconds: o.challengePeriod })
    const bridge = parseBridgeGenesis({
      sources: [
        {
          chainId: dep.l1ChainId,
          portal: dep.portal,
          finality: 'finalized',
          startBlock: Number(dep.portalBlock),
        },
      ],
      tokens: dep.tokens,
      challengePeriodSeconds: dep.challengePeriodSeconds,
    })
    process.stdout.write(
      `devnet: L1 Anvil ${anvil.url} (chain ${dep.l1ChainId}, safe = latest-2, finalized = latest-4)\n` +
        `devnet: portal ${dep.portal}, USDC ${dep.tokens.USDC}, WBTC ${dep.tokens.WBTC}, ` +
        `challenge period ${dep.challengePeriodSeconds} s\n`,
    )
    await start(
      { ...o, datadir: chainDir, genesis: undefined, l1Rpc: anvil.url },
      {
        bridge,
        beforeListening({ url }) {
          const json: DevnetJson = {
            l1Rpc: anvil.url,
            l2Rpc: url,
            l1ChainId: dep.l1ChainId,
            l2ChainId: dep.l2ChainId,
            portal: dep.portal,
            tokens: dep.tokens,
            challengePeriodSeconds: dep.challengePeriodSeconds,
            portalBlock: Number(dep.portalBlock),
            sequencer: dep.sequencer,
          }
          const file = join(datadir, 'devnet.json')
          writeFileSync(file, `${JSON.stringify(json, null, 2)}\n`)
          process.stdout.write(`devnet: wrote ${file}\n`)
        },
        afterStop: () => anvil.stop(),
      },
    )
  } catch (err) {
    await anvil.stop()
    throw err
  }
}

/** Adds `unimargin devnet` to the program. */
export function registerDevnetCommand(
  program: Command,
  intOption: (name: string, min: number, max: number) => (v: string) => number,
): void {
  program
    .command('devnet')
    .description('local L1 (Anvil) + bridge contracts deployed + the sequencer wired to it + the price feeder')
    .option('--datadir <dir>', 'data directory (devnet.json; the L2 chain in DIR/chain, fresh each run)', './data')
    .option('--port <n>', 'L2 HTTP and WebSocket port', intOption('--port', 0, 65535), 8545)
    .option('--host <host>', 'interface to listen on', '127.0.0.1')
    .option('--l1-port <n>', 'Anvil port (0: any free port)', intOption('--l1-port', 0, 65535), 8546)
    .option('--l1-block-time <s>', 'Anvil block interval, seconds', intOption('--l1-block-time', 1, 60), 1)
    .option('--challenge-period <s>', "the portal's challenge period, seconds", intOption('--challenge-period', 0, 86_400), 10)
    .option('--block-time <ms>', 'L2 block interval in milliseconds', intOption('--block-time', 1, 3_600_000), 250)
    .option('--heartbeat <ms>', 'make an empty block when none was made for this long', intOption('--heartbeat', 1, 86_400_000), 2000)
    .option('--no-feeder', 'do not run the dev price feeder')
    .option('--feeder-interval <ms>', 'milliseconds between dev price updates', intOption('--feeder-interval', 100, 3_600_000), 2000)
    .addOption(new Option('--log-level <level>', 'log level').choices(LOG_LEVELS).default('info'))
    .action((o: DevnetOptions) => devnet(o))
}
