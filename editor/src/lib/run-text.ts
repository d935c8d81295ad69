// A run as a list shows it: its duration and its inputs on one line.
export const durationText = (run: { startedAt: string; finishedAt: string | null }): string => {
  if (!run.finishedAt) return 'running';
  const ms = Date.parse(run.finishedAt) - Date.parse(run.startedAt);
  if (ms < 10_000) return `${(ms / 1000).toFixed(1)} s`;
  if (ms < 120_000) return `${Math.round(ms / 1000)} s`;
  return `${Math.floor(ms / 60_000)} min ${Math.round((ms % 60_000) / 1000)} s`;
};

/** A run's inputs on one line: `question: what is…` */
export function inputsText(inputs: Record<string, string>): string {
  const entries = Object.entries(inputs);
  if (entries.length === 0) return '(no inputs)';
  return entries.map(([name, value]) => `${name}: ${value.replace(/\s+/g, ' ')}`).join(' · ');
}
