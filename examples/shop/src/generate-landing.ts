// Writes the shop's landing files: `npm run generate -- --from 2026-03-06 --to 2026-03-10 [--out DIR]`
// (New York days; default folder: $SHOP_LANDING, else examples/shop/landing).
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { generateLanding, landingDirOf } from './landing.ts';

const projectDir = join(dirname(fileURLToPath(import.meta.url)), '..');
try {
  const { values } = parseArgs({ options: { from: { type: 'string' }, to: { type: 'string' }, out: { type: 'string' }, seed: { type: 'string' } } });
  if (values.from === undefined || values.to === undefined) throw new Error('give the New York days to generate: --from 2026-03-06 --to 2026-03-10');
  const landingDir = values.out !== undefined ? resolve(values.out) : landingDirOf(projectDir);
  const result = generateLanding({ landingDir, from: values.from, to: values.to, ...(values.seed !== undefined ? { seed: values.seed } : {}) });
  console.log(`Wrote ${result.hourFiles} hourly order files (${result.firstHour} .. ${result.lastHour} UTC), merchants.csv and regions.csv to ${result.landingDir}`);
} catch (error) {
  console.error(`generate: ${error instanceof Error ? error.message : String(error)}`);
  process.exit(1);
}
