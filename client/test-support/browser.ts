import { existsSync } from 'node:fs';
import type { Browser } from 'playwright-core';
import { chromium } from 'playwright-core';

/** Debian's Chromium (`apt-get install chromium`); `.ci/run` installs it when missing. */
export const CHROMIUM_PATH = process.env.POS_CHROMIUM_PATH ?? '/usr/bin/chromium';

/** Why browser suites cannot run here, or null when they can: `describe.skipIf(reason)`. */
export const browserSkipReason: string | null = existsSync(CHROMIUM_PATH)
  ? null
  : `no Chromium at ${CHROMIUM_PATH} (apt-get install chromium, or set POS_CHROMIUM_PATH)`;

if (browserSkipReason) process.stderr.write(`browser suites skipped: ${browserSkipReason}\n`);

/** Headless Chromium for browser tests: no sandbox (containers run as root), no GPU, no phoning home. */
export async function launchBrowser(): Promise<Browser> {
  return chromium.launch({
    executablePath: CHROMIUM_PATH,
    headless: true,
    args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking'],
  });
}
