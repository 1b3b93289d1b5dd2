#!/usr/bin/env node
// Cache benchmark: `npm run bench:cache` (builds first), or
// `node --expose-gc bench/cache/run.mjs [--quick] [--only hit,l2,stampede,memory]`.
// Prints markdown (progress goes to stderr) and writes it to bench/cache/results.md.
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { machineMarkdown } from './report.mjs';
import { loadNestPerf } from './shared.mjs';
import { runHitLatency } from './hit-latency.mjs';
import { runL2Throughput } from './l2-throughput.mjs';
import { runStampede } from './stampede.mjs';
import { runMemory } from './memory.mjs';
import { benchArgs } from '../cli.mjs';
import { writeResults } from '../write-results.mjs';

const SECTIONS = {
  hit: runHitLatency,
  l2: runL2Throughput,
  stampede: runStampede,
  memory: runMemory,
};

const { quick, only } = benchArgs(SECTIONS);

const out = join(dirname(fileURLToPath(import.meta.url)), 'results.md');
const started = performance.now();
const nest = await loadNestPerf();
if (nest.error)
  console.error(
    `warning: @nest-perf/cache is not importable (${nest.error}); its rows are skipped`,
  );

const parts = [
  '# Cache benchmark',
  '',
  machineMarkdown(),
  `- mode: ${quick ? 'quick (fewer rounds / shorter runs: indicative only)' : 'full'}; one process (memory: one child process per measurement)`,
];
for (const name of only) {
  console.error(`${name}…`);
  try {
    parts.push('', await SECTIONS[name]({ quick }));
  } catch (err) {
    parts.push('', `## ${name}`, '', `failed: ${err?.stack ?? err}`);
    process.exitCode = 1;
  }
}
parts.push('', `_total run time ${((performance.now() - started) / 1000).toFixed(0)} s_`, '');

await writeResults(out, parts);
