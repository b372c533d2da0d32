import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { configurationDoc } from './config-table';
import { symbolsDoc } from './symbols-table';

// The generated reference pages must match what the code declares (regenerate with the npm scripts they name).
describe('generated documentation', () => {
  const read = (name: string): string => readFileSync(join(__dirname, '..', 'docs', name), 'utf8');

  it('docs/configuration.md lists every configuration key with its default (npm run -s config:table)', () => {
    expect(read('configuration.md')).toBe(configurationDoc());
  });

  it('docs/symbols.md lists every declared symbol with its weight (npm run -s symbols:table)', () => {
    expect(read('symbols.md')).toBe(symbolsDoc());
  });
});
