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
import { writeResults } from '../write-results.mjs';

const SECTIONS = {
  http: runHttp,
  statement: runStatementCost,
  hooks: runHooks,
  pagination: runPagination,
};

const args = process.argv.slice(2);
const flag = (name) => {
  const arg = args.find((a) => a === name || a.startsWith(`${name}=`));
  if (!arg) return undefined;
  return arg.includes('=') ? arg.slice(arg.indexOf('=') + 1) : args[args.indexOf(arg) + 1];
};
const quick = args.includes('--quick');
const only = (flag('--only') ?? Object.keys(SECTIONS).join(',')).split(',');
const path = flag('--http-path') ?? DEFAULT_PATH;
const unknown = only.filter((s) => !SECTIONS[s]);
if (unknown.length) {
  console.error(
    `unknown section(s): ${unknown.join(', ')}; known: ${Object.keys(SECTIONS).join(', ')}`,
  );
  process.exit(2);
}
if (typeof global.gc !== 'function')
  console.error('warning: run with node --expose-gc (mitata uses global.gc between runs)');
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
