/**
 * Polls `check` until it returns true, failing after `ms`: tests wait for conditions, never for time,
 * and the deadline only bounds a hung condition.
 */
export async function eventually(
  check: () => Promise<boolean> | boolean,
  ms = 10_000,
  what = 'condition',
): Promise<void> {
  const deadline = Date.now() + ms;
  for (;;) {
    if (await check()) return;
    if (Date.now() > deadline) throw new Error(`${what} not met within ${ms} ms`);
    await new Promise((r) => setTimeout(r, 25));
  }
}
