// The client as CommonJS for tslab (its cells are compiled to `require`) and other plain Node programs;
// bundled with its contracts, so a notebook needs nothing but this file. Then its declarations for tslab.
import { build } from 'esbuild';
import { spawnSync } from 'node:child_process';
import { readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));
const client = path.join(here, '..');
const root = path.join(client, '..');
await build({
  entryPoints: { index: path.join(client, 'src', 'index.ts'), notebook: path.join(client, 'src', 'notebook.ts') },
  outdir: path.join(client, 'dist'),
  outExtension: { '.js': '.cjs' },
  bundle: true,
  platform: 'node',
  format: 'cjs',
  target: 'node20',
  external: ['tslab', 'tslab/*'],
  logLevel: 'warning',
});

// tslab type-checks and transpiles every .ts file a cell imports, transitively: with the types pointing at
// src/ that was the client, the node registry and the server's route definitions on every kernel start
// (minutes under load). Declarations only (dist/types, reached through typesVersions) are read, not compiled.
const types = path.join(client, 'dist', 'types');
rmSync(types, { recursive: true, force: true });
const tsc = spawnSync(process.execPath, [path.join(root, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', path.join(client, 'tsconfig.dts.json')], { stdio: 'inherit' });
if (tsc.status !== 0) process.exit(tsc.status ?? 1);

// The declarations keep their workspace imports (`@astra/workflows/flow`), which would lead tslab back to the
// sources; point them at the declarations emitted beside them, and drop `.ts` extensions TS 5.0 cannot follow.
const workspaceDeclarations = { '@astra/workflows/flow': path.join(types, 'workflows', 'src', 'flow', 'index') };
function* declarations(dir) {
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) yield* declarations(full);
    else if (entry.name.endsWith('.d.ts')) yield full;
  }
}
for (const file of declarations(types)) {
  const text = readFileSync(file, 'utf8');
  const rewritten = text.replace(/(from |import\()(['"])([^'"]+)\2/g, (whole, keyword, quote, specifier) => {
    let target = specifier;
    if (specifier in workspaceDeclarations) {
      target = path.relative(path.dirname(file), workspaceDeclarations[specifier]);
      if (!target.startsWith('.')) target = `./${target}`;
    } else if (specifier.startsWith('@astra/')) {
      throw new Error(`${path.relative(root, file)} imports ${specifier}: add its declarations to client/tsconfig.dts.json and workspaceDeclarations`);
    } else if (specifier.startsWith('.') && specifier.endsWith('.ts')) {
      target = specifier.slice(0, -3);
    }
    return `${keyword}${quote}${target}${quote}`;
  });
  if (rewritten !== text) writeFileSync(file, rewritten);
}
