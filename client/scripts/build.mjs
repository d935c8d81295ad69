// The client as CommonJS for tslab (its cells are compiled to `require`) and other plain Node programs;
// bundled with its contracts, so a notebook needs nothing but this file. Types come from src/.
import { build } from 'esbuild';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));
await build({
  entryPoints: { index: path.join(here, '..', 'src', 'index.ts'), notebook: path.join(here, '..', 'src', 'notebook.ts') },
  outdir: path.join(here, '..', 'dist'),
  outExtension: { '.js': '.cjs' },
  bundle: true,
  platform: 'node',
  format: 'cjs',
  target: 'node20',
  external: ['tslab', 'tslab/*'],
  logLevel: 'warning',
});
