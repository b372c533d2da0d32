import { existsSync } from 'node:fs';
import { dirname, extname, join } from 'node:path';
import { Worker } from 'node:worker_threads';

/**
 * Starts a worker thread on one of the filter's modules, built or not: `sibling` names a module next to the caller
 * (`__filename`), with the caller's extension. The built code in dist loads directly; the sources (development, tests)
 * need ts-node and the @spamfilter/* path aliases registered in the thread too, which costs the thread about 2 s of
 * compiling before it answers. `data` is the module's workerData (plain data: it is cloned).
 */
export function startThread(callerFilename: string, sibling: string, data: Record<string, unknown>): Worker {
  const entry = join(dirname(callerFilename), `${sibling}${extname(callerFilename)}`);
  return new Worker(BOOT, { eval: true, workerData: { ...data, boot: { entry, tsNode: tsNodeFor(entry) } } });
}

function tsNodeFor(entry: string): { register: string; paths: string; project: string } | null {
  if (!entry.endsWith('.ts')) return null;
  let root = dirname(entry);
  while (!existsSync(join(root, 'tsconfig.json')) && dirname(root) !== root) root = dirname(root);
  return {
    register: require.resolve('ts-node'),
    paths: require.resolve('tsconfig-paths'),
    project: join(root, 'tsconfig.json'),
  };
}

const BOOT = `
const { workerData } = require('node:worker_threads');
const ts = workerData.boot.tsNode;
if (ts) {
  require(ts.register).register({ transpileOnly: true, project: ts.project });
  const paths = require(ts.paths);
  const config = paths.loadConfig(ts.project);
  paths.register({ baseUrl: config.absoluteBaseUrl, paths: config.paths });
}
require(workerData.boot.entry);
`;
