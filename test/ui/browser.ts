/** Headless Debian Chromium for the page tests (never a downloaded browser). Not a test file. */
import fs from 'node:fs';
import { type Browser, chromium } from 'playwright-core';

export const CHROMIUM_PATH = process.env.TIMEPORT_CHROMIUM ?? '/usr/bin/chromium';

/**
 * Why the browser tests cannot run here, or undefined when they can. Without Chromium they are
 * skipped with this message, except under CI=true, where a missing browser is a failure
 * (.ci/run installs it).
 */
export function browserUnavailable(): string | undefined {
  if (fs.existsSync(CHROMIUM_PATH)) return undefined;
  const message = `Chromium is not installed at ${CHROMIUM_PATH} (apt-get install -y chromium); the browser tests are skipped`;
  if (process.env.CI === 'true') throw new Error(`${message}, but CI=true requires them`);
  return message;
}

export function launchChromium(): Promise<Browser> {
  return chromium.launch({
    executablePath: CHROMIUM_PATH,
    headless: true,
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
  });
}
