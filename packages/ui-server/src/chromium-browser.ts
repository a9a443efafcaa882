import { existsSync } from 'node:fs';
import { chromium, type Browser } from 'playwright-core';

/** Where Debian's chromium lives; browser tests and the UI bench drive it with playwright-core. */
export const CHROMIUM_PATH = process.env['QUARRY_CHROMIUM'] ?? '/usr/bin/chromium';

/** Why browser tests are skipped here, or false when Chromium is installed. */
export const CHROMIUM_MISSING: string | false = existsSync(CHROMIUM_PATH)
  ? false
  : `Chromium not found at ${CHROMIUM_PATH}: install it (apt-get install chromium) or set QUARRY_CHROMIUM to run the browser tests.`;

/** Launches headless Chromium with the flags that keep it quiet and offline. */
export function launchChromium(): Promise<Browser> {
  return chromium.launch({
    executablePath: CHROMIUM_PATH,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
}
