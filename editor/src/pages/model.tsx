// One model (#/models/<name>): its file, and for a fine-tune its lineage as Register Model recorded it —
// the base and its sha256, the dataset's hash and stats, the hyperparameters, validation loss before and
// after with each exported file's loss in llama.cpp (and whether it kept the fine-tune), the file's
// sha256, the loss curve of its training and the before/after samples of its evaluation.
import { useEffect, useState } from 'react';
import { modelLineageSchema, type ModelLineage } from '@astra/workflows/flow';
import { seriesOf } from '@astra/client';
import { useApi } from '../api/client';
import { LossChart } from '../panels/training-view';

const mebibytes = (bytes: number) => `${(bytes / 1_048_576).toFixed(1)} MiB`;
const loss = (value: number | null | undefined) => (typeof value === 'number' ? value.toFixed(4) : '—');

type Model = Awaited<ReturnType<ReturnType<typeof useApi>['model']>>['model'];

function Lineage({ lineage }: { lineage: ModelLineage }) {
  const { base, dataset, hyperparameters: h, metrics, file, job } = lineage;
  const history = job?.training?.history ?? [];
  const series = history.length
    ? seriesOf('training', history.map((point) => ({ step: point.step, steps: h?.steps ?? 0, loss: point.loss ?? null, valLoss: point.valLoss ?? null, tokensPerSecond: null, etaSeconds: null })))
    : null;
  return (
    <>
      <section aria-labelledby="lineage-title">
        <h2 id="lineage-title">Lineage</h2>
        <dl className="facts lineage">
          <div><dt>Base model</dt><dd data-fact="base">{base.model}</dd></div>
          <div><dt>Base sha256</dt><dd data-fact="base-sha256"><code>{base.sha256}</code></dd></div>
          <div><dt>Dataset sha256</dt><dd data-fact="dataset-sha256"><code>{dataset.sha256}</code></dd></div>
          <div><dt>Dataset</dt><dd data-fact="dataset">{dataset.stats.format}: {dataset.stats.train} train / {dataset.stats.val} validation ({dataset.stats.duplicates} duplicates, {dataset.stats.tooLong} too long dropped)</dd></div>
          {h ? <div><dt>Hyperparameters</dt><dd data-fact="hyperparameters">{h.steps} steps, LoRA r {h.loraR} alpha {h.loraAlpha}, learning rate {h.learningRate}, batch {h.batchSize}</dd></div> : null}
          {metrics.trainingSeconds !== undefined ? <div><dt>Training</dt><dd data-fact="training">{Math.round(metrics.trainingSeconds)} s on {metrics.device ?? '?'}{metrics.resumedFrom ? `, resumed from the checkpoint at step ${metrics.resumedFrom}` : ''}</dd></div> : null}
          <div><dt>Validation loss</dt><dd data-fact="val-loss">{loss(metrics.before)} before → {loss(metrics.after)} after (PyTorch)</dd></div>
          <div><dt>Served file</dt><dd data-fact="file">{file.format} <code>{file.path}</code></dd></div>
          <div><dt>Served sha256</dt><dd data-fact="file-sha256"><code>{file.sha256}</code></dd></div>
          {lineage.run ? <div><dt>Made by run</dt><dd data-fact="run"><code>{lineage.run.runId}</code></dd></div> : null}
        </dl>
      </section>
      <section aria-labelledby="files-title">
        <h2 id="files-title">Files and their validation loss</h2>
        <table className="models-table model-files">
          <thead><tr><th scope="col">Form</th><th scope="col">Validation loss (llama.cpp)</th><th scope="col">Size</th><th scope="col">File type</th><th scope="col">sha256</th><th scope="col">Fine-tune</th></tr></thead>
          <tbody>
            {metrics.files.map((f) => (
              <tr key={f.format} data-file={f.format}>
                <td>{f.format}{f.format === file.format ? ' (served)' : ''}</td>
                <td>{loss(f.valLoss)}</td>
                <td>{mebibytes(f.sizeBytes)}</td>
                <td>{f.fileType ?? '—'}</td>
                <td>{f.sha256 ? <code title={f.sha256}>{f.sha256.slice(0, 16)}…</code> : '—'}</td>
                <td className={f.keepsFineTune ? 'keeps' : 'field-error'}>{f.keepsFineTune ? 'kept' : 'lost'}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </section>
      {series ? (
        <section aria-labelledby="curve-title" className="training-view">
          <h2 id="curve-title">Training loss</h2>
          <LossChart series={series} />
        </section>
      ) : null}
      {job?.evaluation ? (
        <section aria-labelledby="samples-title" className="training-view">
          <h2 id="samples-title">Samples before and after</h2>
          <p>Perplexity {job.evaluation.before.perplexity.toFixed(2)} → {job.evaluation.after.perplexity.toFixed(2)}</p>
          <table className="samples">
            <thead><tr><th scope="col">Prompt</th><th scope="col">Before</th><th scope="col">After</th></tr></thead>
            <tbody>{job.evaluation.samples.map((sample, i) => <tr key={i} data-sample={i}><td>{sample.prompt}</td><td>{sample.before}</td><td>{sample.after}</td></tr>)}</tbody>
          </table>
        </section>
      ) : null}
    </>
  );
}

export function ModelPage({ name }: { name: string }) {
  const api = useApi();
  const [model, setModel] = useState<Model | null>(null);
  const [problem, setProblem] = useState<string | null>(null);
  useEffect(() => {
    let live = true;
    setModel(null);
    setProblem(null);
    api.model(name).then((answer) => live && setModel(answer.model), (error: Error) => live && setProblem(error.message));
    return () => {
      live = false;
    };
  }, [api, name]);
  const lineage = model?.fineTune ? modelLineageSchema.safeParse(model.fineTune.lineage) : null;
  return (
    <section className="page model-page" aria-labelledby="model-title">
      <header className="page-header"><h1 id="model-title">{name}</h1></header>
      {problem ? <p className="field-error" role="alert">{problem}</p> : null}
      {model ? (
        <dl className="facts">
          <div><dt>Kind</dt><dd data-fact="kind">{model.kind}</dd></div>
          <div><dt>Provider</dt><dd>{model.provider}</dd></div>
          <div><dt>Context</dt><dd>{model.contextLength ?? '—'}</dd></div>
          {model.file ? <div><dt>File</dt><dd data-fact="model-file">{mebibytes(model.file.sizeBytes)} · {model.file.architecture} · <code>{model.file.sha256.slice(0, 16)}…</code></dd></div> : null}
          {model.fineTune ? <div><dt>Fine-tune of</dt><dd data-fact="fine-tune-of">{model.fineTune.baseModel}{model.fineTune.loraPath ? ' + its LoRA adapter' : ' (merged)'}</dd></div> : null}
        </dl>
      ) : null}
      {lineage?.success ? <Lineage lineage={lineage.data} /> : null}
      {lineage && !lineage.success ? <p className="muted">This fine-tune&apos;s lineage is in a shape this page does not know ({lineage.error.issues[0]?.path.join('.')}: {lineage.error.issues[0]?.message}).</p> : null}
    </section>
  );
}
