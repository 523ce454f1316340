/**
 * The start/stop loop the bridge's L1 workers share (deposit watcher, commitment poster): run
 * one pass, wait, run the next, until stopped. A pass never overlaps the next one, and `stop`
 * resolves once the pass in progress has ended.
 */

export interface PollLoop {
  /** Starts the loop (its first pass at once); does nothing when it runs already. */
  start(): void
  /** Stops it and waits for the pass in progress. */
  stop(): Promise<void>
}

/**
 * @param pass one round of work; it should catch its own errors (a rejection is swallowed)
 * @param delayMs how long to wait after a pass before the next (read after each pass, so it can
 *   back off after failures)
 * @example
 * const loop = createPollLoop(() => syncOnce(), () => 1_000)
 * loop.start()
 * await loop.stop()
 */
export function createPollLoop(pass: () => Promise<void>, delayMs: () => number): PollLoop {
  let timer: NodeJS.Timeout | null = null
  let stopped = true
  let running: Promise<void> | null = null
  const loop = async () => {
    running = pass().catch(() => undefined)
    await running
    running = null
    if (!stopped) timer = setTimeout(loop, delayMs())
  }
  return {
    start() {
      if (!stopped) return
      stopped = false
      timer = setTimeout(loop, 0)
    },
    async stop() {
      stopped = true
      if (timer) clearTimeout(timer)
      timer = null
      if (running) await running
    },
  }
}
