// `npm run bench:hostile`: work on hostile inputs grows linearly. For each case the same input at n
// and at 10n, timed in this run: a ratio near 10 is linear, near 100 quadratic. Cases: a long run of
// dots through the chunker's sentence splitting, catastrophic patterns through the Condition node's
// RE2 matcher, and HTML nested to the depth limit against a tenth of it.
import { sentenceSeparators } from '../activities/src/rag/chunker';
import { htmlToDocument } from '../activities/src/rag/loaders/html';
import { userPatternMatches } from '../workflows/src/nodes/user-regex';
import { median } from './support/stats';

const rounds = Number(process.env.BENCH_ROUNDS ?? 5);

function timeMs(work: () => unknown): number {
  const times: number[] = [];
  for (let i = 0; i < rounds; i++) {
    const began = performance.now();
    work();
    times.push(performance.now() - began);
  }
  return median(times);
}

const cases: Array<{ name: string; run: (n: number) => unknown; n: number }> = [
  { name: 'sentence ends over a run of dots', n: 100_000, run: (n) => [...sentenceSeparators(`${'.'.repeat(n)}x`)] },
  { name: 'Condition ^(a+)+$ on a…a!', n: 100_000, run: (n) => userPatternMatches('^(a+)+$', `${'a'.repeat(n)}!`, true) },
  { name: 'Condition (.*a){20}$ on a…ab', n: 20_000, run: (n) => userPatternMatches('(.*a){20}$', `${'a'.repeat(n)}b`, true) },
  { name: 'HTML <div> nesting (n elements, depth ≤ 250)', n: 2_500, run: (n) => htmlToDocument(`<body>${`${'<div>'.repeat(250)}x${'</div>'.repeat(250)}`.repeat(n / 250)}</body>`, 'bench.html') },
];

for (const { name, run, n } of cases) {
  run(n);
  const small = timeMs(() => run(n));
  const large = timeMs(() => run(n * 10));
  const ratio = large / small;
  console.log(`${name}: n=${n} ${small.toFixed(1)} ms, 10n ${large.toFixed(1)} ms, ratio ${ratio.toFixed(1)} (${ratio < 25 ? 'linear' : 'SUPERLINEAR'})`);
}
