// The deployment files checked by real tools, offline: compose against the Compose specification's JSON
// schema (check-jsonschema's vendored copy), the Kubernetes overlays rendered by kubectl's kustomize and checked by
// kubernetes-validate against Kubernetes' schemas, checkov's policies over manifests and Dockerfiles, and
// the metric names that alerts and the dashboard read checked against the metrics Astra registers.
// Tools come from .venv (infra/requirements-ops.txt, installed by infra/bootstrap.mjs).
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { copyFile, mkdtemp, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse, parseAllDocuments } from 'yaml';
import { describe, expect, it } from 'vitest';
import { createServerMetrics } from '../server/src/metrics';
import { createWorkerMetrics } from '../activities/src/metrics/worker-metrics';
import { nodeQueues, taskQueueFor } from '../workflows/src/flow/define-node';

const infra = path.dirname(fileURLToPath(import.meta.url));
const repo = path.resolve(infra, '..');
const venvBin = path.resolve(repo, process.env.ASTRA_VENV ?? '.venv', 'bin');

/* eslint-disable @typescript-eslint/no-explicit-any -- manifests are read as the loose YAML documents they are */
type Doc = Record<string, any>;

function tool(name: string): string {
  const file = path.join(venvBin, name);
  if (!existsSync(file)) throw new Error(`${name} is missing from ${venvBin}: run \`node infra/bootstrap.mjs ensure\`, which installs infra/requirements-ops.txt`);
  return file;
}

function run(name: string, args: string[], cwd = repo) {
  const result = spawnSync(tool(name), args, { cwd, encoding: 'utf8', maxBuffer: 64 * 1024 * 1024, env: { ...process.env, BC_SKIP_MAPPING: 'TRUE' } });
  return { status: result.status, stdout: result.stdout, stderr: result.stderr, output: `${result.stdout}${result.stderr}` };
}

function render(kustomization: string): { text: string; docs: Doc[] } {
  const result = run('kubectl', ['kustomize', kustomization]);
  expect(result.status, result.stderr).toBe(0);
  return { text: result.stdout, docs: parseAllDocuments(result.stdout).map((doc) => doc.toJS() as Doc) };
}

const find = (docs: Doc[], kind: string, name: string) => {
  const found = docs.find((doc) => doc.kind === kind && doc.metadata?.name === name);
  if (!found) throw new Error(`no ${kind}/${name} in the rendered manifests`);
  return found;
};

describe('compose', () => {
  const compose = parse(readFileSync(path.join(infra, 'compose.yaml'), 'utf8'), { merge: true }) as Doc;
  const checkCompose = (file: string) => run('check-jsonschema', ['--builtin-schema', 'vendor.compose-spec', file]);

  it('is valid against the Compose specification schema', () => {
    const result = checkCompose(path.join(infra, 'compose.yaml'));
    expect(result.output).toContain('ok -- validation done');
    expect(result.status, result.output).toBe(0);
  });

  it('the schema rejects what Compose would reject, so the check above can fail', async () => {
    const broken = readFileSync(path.join(infra, 'compose.yaml'), 'utf8')
      .replace('  worker:\n', '  worker:\n    healthchek: { test: ["CMD", "true"] }\n')
      .replace('stop_grace_period: 30s', 'stop_grace_period: [30s]');
    const dir = await mkdtemp(path.join(os.tmpdir(), 'astra-compose-'));
    await writeFile(path.join(dir, 'compose.yaml'), broken);
    const result = checkCompose(path.join(dir, 'compose.yaml'));
    expect(result.status).not.toBe(0);
    expect(result.output).toContain('healthchek');
    expect(result.output).toContain('stop_grace_period');
  });

  it('runs every part the deployment needs, with healthchecks, and a worker that can be scaled', () => {
    const services = compose.services as Record<string, Doc>;
    for (const name of ['temporal', 'temporal-postgresql', 'temporal-ui', 'postgres', 'chroma', 'ollama', 'server', 'worker', 'prometheus', 'grafana', 'otel-collector', 'jaeger']) {
      expect(services[name], name).toBeDefined();
    }
    // node-exporter is the one without: its image has no shell or HTTP client to run a check with.
    const unchecked = Object.entries(services).filter(([, service]) => !service.healthcheck && !service.build).map(([name]) => name);
    expect(unchecked).toEqual(['node-exporter']);
    expect(services.ollama!.profiles).toEqual(['ollama']);
    expect(services.worker!.container_name).toBeUndefined();
    expect(services.worker!.ports).toBeUndefined();
    expect(services.worker!.deploy.resources.limits).toEqual({ cpus: '1', memory: '2g' });
    expect(services.temporal!.image).toMatch(/^temporalio\/auto-setup:\d/);
    expect(services.temporal!.depends_on['temporal-postgresql'].condition).toBe('service_healthy');
  });

  it('names only files that exist: build files, mounted configs, and an example for every env file', () => {
    const services = compose.services as Record<string, Doc>;
    for (const [name, service] of Object.entries(services)) {
      if (service.build) expect(existsSync(path.resolve(infra, service.build.context, service.build.dockerfile)), `${name} dockerfile`).toBe(true);
      for (const volume of (service.volumes ?? []) as string[]) {
        const source = volume.split(':')[0]!;
        if (source.startsWith('./')) expect(existsSync(path.resolve(infra, source)), `${name} mounts ${source}`).toBe(true);
      }
      for (const envFile of (service.env_file ?? []) as string[]) {
        expect(existsSync(path.resolve(infra, `${envFile}.example`)), `${name}: ${envFile}.example`).toBe(true);
      }
    }
  });

  it('the collector pipeline and Grafana provisioning name what they define', () => {
    const collector = parse(readFileSync(path.join(infra, 'otel/collector.yaml'), 'utf8')) as Doc;
    const traces = collector.service.pipelines.traces;
    for (const receiver of traces.receivers) expect(collector.receivers[receiver]).toBeDefined();
    for (const exporter of traces.exporters) expect(collector.exporters[exporter]).toBeDefined();
    for (const processor of traces.processors) expect(collector.processors[processor]).toBeDefined();
    const datasources = parse(readFileSync(path.join(infra, 'grafana/provisioning/datasources/prometheus.yaml'), 'utf8')) as Doc;
    const dashboard = JSON.parse(readFileSync(path.join(infra, 'grafana/dashboards/astra-overview.json'), 'utf8')) as Doc;
    const uids = datasources.datasources.map((source: Doc) => source.uid);
    for (const panel of dashboard.panels) expect(uids).toContain(panel.datasource.uid);
  });
});

describe('images', () => {
  for (const image of ['server', 'worker']) {
    it(`${image}.Dockerfile: cached installs, production modules, a non-root user and a healthcheck in the final stage`, () => {
      const text = readFileSync(path.join(infra, 'docker', `${image}.Dockerfile`), 'utf8');
      const stages = text.split(/^FROM /m).slice(1);
      const final = stages.at(-1)!;
      expect(final).toMatch(new RegExp(`^node:\\S+ AS ${image}\\n`));
      expect(text).toContain('--mount=type=cache,target=/root/.npm');
      expect(final).toMatch(/^USER 10001:10001$/m);
      expect(final).toMatch(/^HEALTHCHECK /m);
      // Modules come only from the deps stage, which installs with --omit=dev.
      expect(final).not.toMatch(/npm (ci|install)/);
      expect(stages[0]).toContain('npm ci --omit=dev');
      expect(final).toContain('COPY --from=deps');
      // Every file a COPY names from the build context exists.
      for (const [, from] of text.matchAll(/^COPY (?!--from)(?:--\S+ )*(.+) \S+$/gm)) {
        for (const source of from!.split(' ')) expect(existsSync(path.join(repo, source)), `${image}: COPY ${source}`).toBe(true);
      }
    });
  }

  it('.dockerignore keeps data, secrets and installed modules out of the build context', () => {
    const ignored = readFileSync(path.join(repo, '.dockerignore'), 'utf8').split('\n');
    for (const entry of ['**/node_modules', '.astra', '.venv', '.models', '.git', 'infra/env/*.env', 'infra/secrets']) expect(ignored).toContain(entry);
  });
});

describe('kubernetes', () => {
  const overlays = ['dev', 'prod'] as const;

  for (const overlay of overlays) {
    it(`overlay ${overlay} renders and every resource passes kubernetes-validate --strict`, async () => {
      const { text, docs } = render(`infra/k8s/overlays/${overlay}`);
      const dir = await mkdtemp(path.join(os.tmpdir(), `astra-k8s-${overlay}-`));
      const file = path.join(dir, 'rendered.yaml');
      await writeFile(file, text);
      const result = run('kubernetes-validate', ['--strict', file]);
      expect(result.status, result.output).toBe(0);
      const builtIn = docs.filter((doc) => !['ScaledObject'].includes(doc.kind));
      for (const doc of builtIn) expect(result.output, `${doc.kind}/${doc.metadata.name}`).toContain(`passed for resource ${doc.kind.toLowerCase()}/${doc.metadata.name}`);
      // Only KEDA's custom resource has no built-in schema; it is checked below against KEDA's documented shape.
      expect(result.output.match(/Couldn't find schema for kind (\w+)/g) ?? []).toEqual(["Couldn't find schema for kind ScaledObject"]);
      expect(docs.every((doc) => doc.kind === 'Namespace' || doc.metadata.namespace === (overlay === 'dev' ? 'astra-dev' : 'astra'))).toBe(true);
    });
  }

  it('kubernetes-validate rejects a wrong field, so the check above can fail', async () => {
    const { docs } = render('infra/k8s/overlays/prod');
    const server = structuredClone(find(docs, 'Deployment', 'astra-server'));
    server.spec.template.spec.containers[0].resources.limit = { cpu: '1' };
    const dir = await mkdtemp(path.join(os.tmpdir(), 'astra-k8s-bad-'));
    await writeFile(path.join(dir, 'bad.yaml'), JSON.stringify(server));
    const result = run('kubernetes-validate', ['--strict', path.join(dir, 'bad.yaml')]);
    expect(result.status).not.toBe(0);
    expect(result.output).toContain('limit');
  });

  it('prod: resources, probes, server HPA 2-10 at 70 % CPU, KEDA Temporal scaler, PDBs, policies, TLS ingress', () => {
    const { docs } = render('infra/k8s/overlays/prod');
    const config = find(docs, 'ConfigMap', 'astra-config');
    for (const name of ['astra-server', 'astra-worker']) {
      const deployment = find(docs, 'Deployment', name);
      const pod = deployment.spec.template.spec;
      const container = pod.containers[0];
      expect(container.resources).toEqual({ requests: { cpu: '500m', memory: '1Gi' }, limits: { cpu: '1', memory: '2Gi' } });
      expect(container.readinessProbe && container.livenessProbe && container.startupProbe).toBeTruthy();
      expect(pod.securityContext.runAsNonRoot).toBe(true);
      expect(container.securityContext).toMatchObject({ readOnlyRootFilesystem: true, allowPrivilegeEscalation: false });
      expect(container.envFrom).toEqual([{ configMapRef: { name: 'astra-config' } }, { secretRef: { name: 'astra-secrets' } }]);
      // A PDB selects these pods, and the policies' selectors match their labels.
      const labels = deployment.spec.template.metadata.labels;
      expect(docs.filter((doc) => doc.kind === 'PodDisruptionBudget').some((pdb) => Object.entries(pdb.spec.selector.matchLabels).every(([key, value]) => labels[key] === value)), `${name} PDB`).toBe(true);
      for (const policy of docs.filter((doc) => doc.kind === 'NetworkPolicy' && doc.spec.podSelector.matchLabels)) {
        if (policy.metadata.name === 'astra-server-ingress' && name !== 'astra-server') continue;
        expect(Object.entries(policy.spec.podSelector.matchLabels).every(([key, value]) => labels[key] === value), `${policy.metadata.name} selects ${name}`).toBe(true);
      }
    }
    expect(find(docs, 'Deployment', 'astra-server').spec.template.spec.containers[0].image).toBe('ghcr.io/astra/astra-server:0.1.0');
    const hpa = find(docs, 'HorizontalPodAutoscaler', 'astra-server');
    expect(hpa.spec).toMatchObject({ scaleTargetRef: { kind: 'Deployment', name: 'astra-server' }, minReplicas: 2, maxReplicas: 10 });
    expect(hpa.spec.metrics).toEqual([{ type: 'Resource', resource: { name: 'cpu', target: { type: 'Utilization', averageUtilization: 70 } } }]);

    // KEDA's ScaledObject, as its documentation specifies the temporal trigger (KEDA 2.17+).
    const scaled = find(docs, 'ScaledObject', 'astra-worker');
    expect(scaled.apiVersion).toBe('keda.sh/v1alpha1');
    expect(find(docs, 'Deployment', scaled.spec.scaleTargetRef.name)).toBeDefined();
    expect(scaled.spec.minReplicaCount).toBeLessThanOrEqual(scaled.spec.maxReplicaCount);
    const [trigger] = scaled.spec.triggers;
    expect(trigger.type).toBe('temporal');
    expect(trigger.metadata.endpoint).toBe(config.data.TEMPORAL_ADDRESS);
    expect(trigger.metadata.taskQueue).toBe(config.data.ASTRA_TASK_QUEUE);
    expect(trigger.metadata.namespace).toBe(config.data.TEMPORAL_NAMESPACE);
    for (const value of Object.values(trigger.metadata)) expect(typeof value, 'KEDA trigger metadata values are strings').toBe('string');
    expect(Number(trigger.metadata.targetQueueSize)).toBeGreaterThan(0);
    // A trigger per node queue the workers serve, so a backlog of ingest or generation work adds workers too.
    expect(scaled.spec.triggers.slice(1).map((each: { metadata: { taskQueue: string } }) => each.metadata.taskQueue)).toEqual(nodeQueues.map((queue) => taskQueueFor(config.data.ASTRA_TASK_QUEUE, queue)));

    const ingress = find(docs, 'Ingress', 'astra');
    const issuers = render('infra/k8s/cluster').docs.filter((doc) => doc.kind === 'ClusterIssuer').map((doc) => doc.metadata.name);
    expect(issuers).toContain(ingress.metadata.annotations['cert-manager.io/cluster-issuer']);
    expect(ingress.spec.tls[0].hosts).toEqual([ingress.spec.rules[0].host]);
    expect(ingress.spec.rules[0].http.paths[0].backend.service.name).toBe('astra-server');
  });

  it('dev: one of each, and the staging issuer', () => {
    const { docs } = render('infra/k8s/overlays/dev');
    expect(find(docs, 'HorizontalPodAutoscaler', 'astra-server').spec.minReplicas).toBe(1);
    expect(find(docs, 'Ingress', 'astra').metadata.annotations['cert-manager.io/cluster-issuer']).toBe('letsencrypt-staging');
    expect(find(docs, 'Deployment', 'astra-worker').spec.template.spec.containers[0].image).toBe('ghcr.io/astra/astra-worker:dev');
  });

  it('the Temporal Helm values use the external PostgreSQL and leave the bundled stores off', () => {
    const values = parse(readFileSync(path.join(infra, 'k8s/temporal/values.yaml'), 'utf8')) as Doc;
    for (const store of ['default', 'visibility']) expect(values.server.config.persistence[store].sql.driver).toBe('postgres12');
    for (const bundled of ['cassandra', 'mysql', 'postgresql', 'elasticsearch', 'prometheus', 'grafana']) expect(values[bundled].enabled, bundled).toBe(false);
    expect(values.web.enabled).toBe(true);
  });
});

describe('checkov', () => {
  it('passes every policy on the rendered overlays and the Dockerfiles, skipping only the documented checks', async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'astra-checkov-'));
    for (const overlay of ['dev', 'prod']) await writeFile(path.join(dir, `${overlay}.yaml`), render(`infra/k8s/overlays/${overlay}`).text);
    for (const file of readdirSync(path.join(infra, 'docker'))) await copyFile(path.join(infra, 'docker', file), path.join(dir, file));
    const result = run('checkov', ['--config-file', path.join(infra, 'checkov.yaml'), '-d', dir, '--framework', 'kubernetes', 'dockerfile', '--output', 'json']);
    const reports = [JSON.parse(result.stdout)].flat() as Array<{ check_type: string; summary: { passed: number; failed: number }; results: { failed_checks: Array<{ check_id: string; resource: string }> } }>;
    expect(reports.map((report) => report.check_type).sort()).toEqual(['dockerfile', 'kubernetes']);
    for (const report of reports) {
      expect(report.results.failed_checks.map((check) => `${check.check_id} ${check.resource}`), report.check_type).toEqual([]);
      expect(report.summary.passed).toBeGreaterThan(50);
    }
    expect(result.status, result.stderr.slice(-2000)).toBe(0);
    const skipped = (parse(readFileSync(path.join(infra, 'checkov.yaml'), 'utf8')) as Doc)['skip-check'];
    expect(skipped).toEqual(['CKV_K8S_43', 'CKV_K8S_35']);
  }, 300_000);
});

describe('metric names in alerts and the dashboard', () => {
  it('every astra_ metric that a rule or panel reads is one Astra registers', async () => {
    const server = createServerMetrics({ pool: { query: async () => ({ rows: [] }) } as never, host: '127.0.0.1' });
    const worker = createWorkerMetrics();
    const registered = new Set([...(await server.registry.getMetricsAsJSON()), ...(await worker.registry.getMetricsAsJSON())].map((metric) => metric.name));
    const read = [readFileSync(path.join(infra, 'prometheus/alerts.yml'), 'utf8'), readFileSync(path.join(infra, 'grafana/dashboards/astra-overview.json'), 'utf8')]
      .flatMap((text) => [...text.matchAll(/\bastra_[a-z_]+/g)].map(([name]) => name.replace(/_(bucket|count|sum)$/, '')));
    expect(new Set(read).size).toBeGreaterThanOrEqual(10);
    expect([...new Set(read)].filter((name) => !registered.has(name))).toEqual([]);
    expect(registered.has('process_cpu_seconds_total')).toBe(true);
  });
});
