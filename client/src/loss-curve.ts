// The loss curve of a fine-tune run, as every surface draws it: the series (train and validation loss by
// step) out of `GET /api/runs/{id}/training`, and one layout of the chart, which the editor renders as
// React SVG and notebooks as an SVG document (image/svg+xml), so the two pictures agree.
import type { RunTraining, TrainingPoint } from '@astra/workflows/flow';

export interface LossSeries {
  nodeId: string;
  /** The steps the node trains for. */
  steps: number;
  train: Array<{ step: number; loss: number }>;
  val: Array<{ step: number; loss: number }>;
  /** The last step reported: its tokens/s and the trainer's estimate of the time left. */
  latest: { step: number; tokensPerSecond: number | null; etaSeconds: number | null } | null;
}

/** A curve's points (in any order, a step at most once) as its train and validation series. */
export function seriesOf(nodeId: string, points: readonly TrainingPoint[]): LossSeries {
  const sorted = [...points].sort((a, b) => a.step - b.step);
  const trained = sorted.filter((point) => point.loss !== null);
  const last = trained.at(-1);
  return {
    nodeId,
    steps: Math.max(0, ...sorted.map((point) => point.steps)),
    train: trained.map((point) => ({ step: point.step, loss: point.loss! })),
    val: sorted.filter((point) => point.valLoss !== null).map((point) => ({ step: point.step, loss: point.valLoss! })),
    latest: last ? { step: last.step, tokensPerSecond: last.tokensPerSecond, etaSeconds: last.etaSeconds } : null,
  };
}

/** Every training node's series of a run's training answer. */
export function lossSeriesOf(training: RunTraining): LossSeries[] {
  return training.curves.map((curve) => seriesOf(curve.nodeId, curve.points));
}

/** A point merged into a curve: a step's train loss and validation loss come as separate reports. */
export function withPoint(points: readonly TrainingPoint[], point: TrainingPoint): TrainingPoint[] {
  const index = points.findIndex((candidate) => candidate.step === point.step);
  if (index < 0) return [...points, point];
  const old = points[index]!;
  const merged: TrainingPoint = {
    step: point.step,
    steps: point.steps || old.steps,
    loss: point.loss ?? old.loss,
    valLoss: point.valLoss ?? old.valLoss,
    tokensPerSecond: point.tokensPerSecond ?? old.tokensPerSecond,
    etaSeconds: point.etaSeconds ?? old.etaSeconds,
  };
  return points.map((candidate, i) => (i === index ? merged : candidate));
}

export interface LossChartLayout {
  width: number;
  height: number;
  plot: { left: number; top: number; right: number; bottom: number };
  /** SVG path data of each series (empty when it has no point). */
  trainPath: string;
  valPath: string;
  trainDots: Array<{ x: number; y: number; step: number; loss: number }>;
  valDots: Array<{ x: number; y: number; step: number; loss: number }>;
  xTicks: Array<{ x: number; label: string }>;
  yTicks: Array<{ y: number; label: string }>;
}

const niceStep = (span: number, count: number) => {
  const raw = span / Math.max(1, count);
  const power = 10 ** Math.floor(Math.log10(raw));
  return [1, 2, 5, 10].map((f) => f * power).find((step) => step >= raw) ?? raw;
};

/** Where everything of the chart goes in a width × height box: the x axis runs over all the steps, the y axis over both series. */
export function lossChartLayout(series: LossSeries, width = 480, height = 220): LossChartLayout {
  const plot = { left: 44, top: 12, right: width - 12, bottom: height - 28 };
  const losses = [...series.train, ...series.val].map((point) => point.loss);
  const maxStep = Math.max(1, series.steps, ...series.train.map((p) => p.step), ...series.val.map((p) => p.step));
  let low = losses.length ? Math.min(...losses) : 0;
  let high = losses.length ? Math.max(...losses) : 1;
  if (high - low < 1e-6) {
    low -= 0.5;
    high += 0.5;
  }
  const pad = (high - low) * 0.08;
  low = Math.max(0, low - pad);
  high += pad;
  const x = (step: number) => plot.left + ((plot.right - plot.left) * step) / maxStep;
  const y = (loss: number) => plot.bottom - ((plot.bottom - plot.top) * (loss - low)) / (high - low);
  const dots = (points: LossSeries['train']) => points.map((point) => ({ x: round(x(point.step)), y: round(y(point.loss)), step: point.step, loss: point.loss }));
  const path = (points: LossChartLayout['trainDots']) => points.map((point, i) => `${i === 0 ? 'M' : 'L'}${point.x} ${point.y}`).join(' ');
  const trainDots = dots(series.train);
  const valDots = dots(series.val);
  const xStep = niceStep(maxStep, 5);
  const yStep = niceStep(high - low, 4);
  const xTicks: LossChartLayout['xTicks'] = [];
  for (let step = 0; step <= maxStep + 1e-9; step += xStep) xTicks.push({ x: round(x(step)), label: String(Math.round(step)) });
  const yTicks: LossChartLayout['yTicks'] = [];
  for (let loss = Math.ceil(low / yStep) * yStep; loss <= high + 1e-9; loss += yStep) yTicks.push({ y: round(y(loss)), label: loss.toFixed(yStep < 0.1 ? 2 : 1) });
  return { width, height, plot, trainPath: path(trainDots), valPath: path(valDots), trainDots, valDots, xTicks, yTicks };
}

const round = (value: number) => Math.round(value * 10) / 10;
const escape = (text: string) => text.replace(/[&<>"']/g, (ch) => `&#${ch.charCodeAt(0)};`);

export const trainColour = '#2563eb';
export const valColour = '#d97706';

/** The chart as a standalone SVG document (for notebooks: `image/svg+xml`). */
export function lossCurveSvg(series: LossSeries, width = 480, height = 220): string {
  const layout = lossChartLayout(series, width, height);
  const { plot } = layout;
  const text = (x: number, y: number, anchor: string, body: string) => `<text x="${x}" y="${y}" text-anchor="${anchor}" font-size="10" fill="#555">${escape(body)}</text>`;
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="sans-serif">`,
    `<title>${escape(`loss of ${series.nodeId}: ${series.train.length} train points, ${series.val.length} validation points`)}</title>`,
    `<rect x="0" y="0" width="${width}" height="${height}" fill="#fff"/>`,
    ...layout.yTicks.map((tick) => `<line x1="${plot.left}" x2="${plot.right}" y1="${tick.y}" y2="${tick.y}" stroke="#eee"/>${text(plot.left - 4, tick.y + 3, 'end', tick.label)}`),
    ...layout.xTicks.map((tick) => text(tick.x, plot.bottom + 14, 'middle', tick.label)),
    `<line x1="${plot.left}" x2="${plot.right}" y1="${plot.bottom}" y2="${plot.bottom}" stroke="#999"/>`,
    text((plot.left + plot.right) / 2, height - 2, 'middle', 'step'),
    layout.trainPath ? `<path class="train" d="${layout.trainPath}" fill="none" stroke="${trainColour}" stroke-width="1.5"/>` : '',
    layout.valPath ? `<path class="val" d="${layout.valPath}" fill="none" stroke="${valColour}" stroke-width="2" stroke-dasharray="5 3"/>` : '',
    ...layout.valDots.map((dot) => `<circle cx="${dot.x}" cy="${dot.y}" r="3" fill="${valColour}"/>`),
    `<text x="${plot.right}" y="${plot.top + 8}" text-anchor="end" font-size="11"><tspan fill="${trainColour}">— train</tspan> <tspan fill="${valColour}">- - validation</tspan></text>`,
    '</svg>',
  ].join('');
}
