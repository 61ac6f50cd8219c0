/** Polls `check` until it answers something other than undefined, or fails after `ms`. */
export async function until<T> (check: () => T | undefined | Promise<T | undefined>, what: string, ms = 30_000, every = 25): Promise<T> {
  const deadline = Date.now() + ms
  for (;;) {
    const found = await check()
    if (found !== undefined) return found
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`)
    await new Promise(resolve => setTimeout(resolve, every))
  }
}
