#!/usr/bin/env node
// Profiler benchmark: `npm run bench:profiler` (builds first), or
// `node --expose-gc bench/profiler/run.mjs [--quick] [--only http,statement,hooks,pagination]
// [--http-path /users/:id/summary]`. Prints markdown (progress on stderr) and writes it to
// bench/profiler/results.md.
import { join } from 'node:path';
import { HERE, loadProfiler } from './shared.mjs';
import { machineMarkdown, check } from './report.mjs';
import { runHttp, DEFAULT_PATH } from './http.mjs';
import { runStatementCost } from './statement-cost.mjs';
import { runHooks } from './hooks.mjs';
import { runPagination } from './pagination.mjs';
import { benchArgs } from '../cli.mjs';
import { writeResults } from '../write-results.mjs';

const SECTIONS = {
  http: runHttp,
  statement: runStatementCost,
  hooks: runHooks,
  pagination: runPagination,
};

const { quick, only, flag } = benchArgs(SECTIONS);
const path = flag('--http-path') ?? DEFAULT_PATH;
const lib = loadProfiler();
if (lib.error)
  console.error(`warning: @nest-perf/profiler not usable (${lib.error}); its rows are skipped`);

const out = join(HERE, 'results.md');
const started = performance.now();
const sections = [];
const targets = [];
for (const name of only) {
  console.error(`${name}…`);
  const t0 = performance.now();
  try {
    const r = await SECTIONS[name]({ quick, path });
    sections.push(r.markdown, `_${name}: ${((performance.now() - t0) / 1000).toFixed(0)} s_`);
    targets.push(...r.targets.map((t) => ({ ...t, section: name })));
  } catch (err) {
    sections.push(`## ${name}`, '', `**failed**: ${err?.stack ?? err}`);
    targets.push({ ok: false, text: `${name} section ran`, measured: 'failed', section: name });
    process.exitCode = 1;
  }
}

const verdict = (ok) => (ok === true ? 'PASS' : ok === false ? 'FAIL' : 'not judged');
const parts = [
  '# Profiler benchmark',
  '',
  await machineMarkdown(),
  `- mode: ${quick ? 'quick (fewer rounds / shorter runs: indicative only)' : 'full'}; sections: ${only.join(', ')}`,
  '',
  '## Targets',
  '',
  ...targets.map(
    (t) =>
      `- ${check(t.ok)} **${verdict(t.ok)}** (${t.section}) ${t.text}${t.measured ? ` — measured ${t.measured}` : ''}`,
  ),
  '',
  ...sections.flatMap((s) => [s, '']),
  `_total run time ${((performance.now() - started) / 1000).toFixed(0)} s_`,
  '',
];

await writeResults(out, parts);
