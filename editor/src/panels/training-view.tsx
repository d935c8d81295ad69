// A fine-tune run as the run panel shows it: the live loss curve of each Fine-tune (LoRA) node (train and
// validation loss by step, tokens/s and the time left), and once Evaluate is done its before/after figures
// and sample generations. The chart is plain SVG laid out by the shared client (the notebooks draw the same).
import { memo, useEffect, useState } from 'react';
import { lossChartLayout, seriesOf, trainColour, valColour, type LossSeries } from '@astra/client';
import { useApi } from '../api/client';
import type { Run, RunTraining } from '../api/schemas';
import { useEditor, useEditorStoreApi } from '../store/context';

const trainingTypes = new Set(['training.finetune', 'training.evaluate']);

/** The run's Fine-tune and Evaluate nodes: those it recorded, and those of the flow open (a node not started yet is in the flow only). */
export function trainingNodeIds(graph: ReadonlyArray<{ id: string; data: { nodeType: string } }>, run: Run): string[] {
  const ids = new Set([...graph.filter((node) => trainingTypes.has(node.data.nodeType)).map((node) => node.id), ...run.nodes.filter((node) => trainingTypes.has(node.type)).map((node) => node.nodeId)]);
  return [...ids].sort();
}

const seconds = (value: number) => (value >= 90 ? `${Math.round(value / 60)} min` : `${Math.round(value)} s`);

export const LossChart = memo(function LossChart({ series }: { series: LossSeries }) {
  const layout = lossChartLayout(series, 440, 200);
  const { plot } = layout;
  const lastVal = series.val.at(-1);
  return (
    <figure className="loss-chart" data-loss-chart={series.nodeId} data-train-points={series.train.length} data-val-points={series.val.length}>
      <svg width={layout.width} height={layout.height} viewBox={`0 0 ${layout.width} ${layout.height}`} role="img" aria-label={`Loss of ${series.nodeId}: ${series.train.length} training steps, ${series.val.length} validation points`}>
        {layout.yTicks.map((tick) => (
          <g key={`y${tick.label}`}>
            <line x1={plot.left} x2={plot.right} y1={tick.y} y2={tick.y} className="loss-grid" />
            <text x={plot.left - 4} y={tick.y + 3} textAnchor="end" className="loss-tick">{tick.label}</text>
          </g>
        ))}
        {layout.xTicks.map((tick) => <text key={`x${tick.label}`} x={tick.x} y={plot.bottom + 14} textAnchor="middle" className="loss-tick">{tick.label}</text>)}
        <line x1={plot.left} x2={plot.right} y1={plot.bottom} y2={plot.bottom} className="loss-axis" />
        {layout.trainPath ? <path d={layout.trainPath} fill="none" stroke={trainColour} strokeWidth={1.5} data-series="train" /> : null}
        {layout.valPath ? <path d={layout.valPath} fill="none" stroke={valColour} strokeWidth={2} strokeDasharray="5 3" data-series="val" /> : null}
        {layout.valDots.map((dot) => <circle key={dot.step} cx={dot.x} cy={dot.y} r={3} fill={valColour}><title>{`step ${dot.step}: validation loss ${dot.loss.toFixed(4)}`}</title></circle>)}
      </svg>
      <figcaption>
        <span className="loss-key" style={{ color: trainColour }}>— train</span> <span className="loss-key" style={{ color: valColour }}>- - validation</span>
        {' · '}
        <span data-loss-step>step {series.latest?.step ?? 0}/{series.steps}</span>
        {series.train.length ? <> · loss {series.train.at(-1)!.loss.toFixed(4)}</> : null}
        {lastVal ? <> · val {lastVal.loss.toFixed(4)}</> : null}
        {series.latest?.tokensPerSecond ? <> · {Math.round(series.latest.tokensPerSecond)} tok/s</> : null}
        {series.latest?.etaSeconds && series.latest.step < series.steps ? <> · about {seconds(series.latest.etaSeconds)} left</> : null}
      </figcaption>
    </figure>
  );
});

function Evaluation({ evaluation }: { evaluation: RunTraining['evaluations'][number] }) {
  return (
    <section className="evaluation" data-evaluation={evaluation.nodeId} aria-label={`Evaluation ${evaluation.nodeId}`}>
      <h5>Evaluate <code>{evaluation.nodeId}</code></h5>
      <p>
        Validation loss {evaluation.before.valLoss.toFixed(4)} → <strong>{evaluation.after.valLoss.toFixed(4)}</strong>, perplexity{' '}
        {evaluation.before.perplexity.toFixed(2)} → <strong>{evaluation.after.perplexity.toFixed(2)}</strong>
      </p>
      <table className="samples">
        <thead><tr><th scope="col">Prompt</th><th scope="col">Before</th><th scope="col">After</th></tr></thead>
        <tbody>
          {evaluation.samples.map((sample, i) => (
            <tr key={i} data-sample={i}><td>{sample.prompt}</td><td className="sample-before">{sample.before}</td><td className="sample-after">{sample.after}</td></tr>
          ))}
        </tbody>
      </table>
    </section>
  );
}

/** The training of the run shown: read once when it is opened (and again when Evaluate finishes), then live. */
export function TrainingView({ run }: { run: Run }) {
  const api = useApi();
  const store = useEditorStoreApi();
  const training = useEditor((state) => state.training);
  const [evaluations, setEvaluations] = useState<RunTraining['evaluations']>([]);
  const [problem, setProblem] = useState<string | null>(null);
  // Read again whenever a training node's state changes (live): an Evaluate that finished brings its samples.
  const states = useEditor((state) => trainingNodeIds(state.nodes, run).map((id) => `${id}:${state.nodeRuns[id]?.state ?? ''}`).join(','));
  useEffect(() => {
    let live = true;
    api.runTraining(run.id).then(
      (answer) => {
        if (!live) return;
        store.getState().mergeTraining(run.id, answer.curves);
        setEvaluations(answer.evaluations);
        setProblem(null);
      },
      (error: Error) => live && setProblem(error.message),
    );
    return () => {
      live = false;
    };
  }, [api, store, run.id, states]);
  const curves = Object.entries(training).map(([nodeId, points]) => seriesOf(nodeId, points));
  return (
    <section className="training-view" aria-label="Training">
      <h4>Training</h4>
      {problem ? <p className="field-error">{problem}</p> : null}
      {curves.length === 0 ? <p className="muted">No training step reported yet.</p> : curves.map((series) => <LossChart key={series.nodeId} series={series} />)}
      {evaluations.map((evaluation) => <Evaluation key={evaluation.nodeId} evaluation={evaluation} />)}
    </section>
  );
}
