// Builds the labextension: esbuild bundles src/ with the editor's shared code (TSX, zustand, @xyflow/react)
// into lib/, leaving JupyterLab's own packages and React to the host; then @jupyter/builder makes the
// prebuilt federated extension in astra_notebook/labextension against this JupyterLab's core metadata.
import { build } from 'esbuild';
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import postcss from 'postcss';

const here = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const root = path.resolve(here, '..');
const venv = path.resolve(root, process.env.ASTRA_VENV ?? '.venv');

await build({
  entryPoints: [path.join(here, 'src', 'index.tsx')],
  outfile: path.join(here, 'lib', 'index.js'),
  bundle: true,
  format: 'esm',
  platform: 'browser',
  target: 'es2022',
  jsx: 'automatic',
  // React and the packages that `require('react')` from CommonJS are left to Rspack, which hands them JupyterLab's shared React.
  external: ['@jupyterlab/*', '@lumino/*', 'react', 'react-dom', 'react/*', 'react-dom/*', '@xyflow/react', 'zustand', 'zustand/*', 'use-sync-external-store', 'use-sync-external-store/*'],
  loader: { '.css': 'empty' },
  define: { 'process.env.NODE_ENV': '"production"' },
  logLevel: 'warning',
});

// The editor's stylesheet is written for a page of its own: scope every rule to the editor's mount point
// so that JupyterLab's buttons, headings and body keep their own look.
const scope = '.astra-embedded-editor';
const editorCss = readFileSync(path.join(root, 'editor', 'src', 'styles.css'), 'utf8');
const scoped = postcss([
  {
    postcssPlugin: 'astra-scope',
    Rule(rule) {
      if (rule.parent?.type === 'atrule' && /keyframes/.test(rule.parent.name)) return;
      rule.selectors = rule.selectors.map((selector) =>
        /^(:root|html|body|#root)\b/.test(selector) || /^html, body/.test(selector)
          ? selector.replace(/^(:root|html|body|#root)/, scope)
          : selector.startsWith(scope) ? selector : `${scope} ${selector}`);
    },
  },
]).process(editorCss, { from: undefined }).css;
writeFileSync(path.join(here, 'style', 'editor.generated.css'), scoped);

const sitePackages = path.join(venv, 'lib');
const python = readdirSync(sitePackages).find((name) => name.startsWith('python'));
const corePackage = python && path.join(sitePackages, python, 'site-packages', 'jupyterlab', 'staging', 'package.json');
if (!corePackage || !existsSync(corePackage)) {
  console.error(`JupyterLab is not installed in ${venv} (no jupyterlab/staging/package.json): run node infra/bootstrap.mjs ensure`);
  process.exit(1);
}
const builder = path.join(root, 'node_modules', '@jupyter', 'builder', 'lib', 'build-labextension.js');
const result = spawnSync(process.execPath, [builder, '--core-package-file', corePackage, here], { cwd: here, stdio: 'inherit' });
process.exit(result.status ?? 1);
