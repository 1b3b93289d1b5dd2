// Markdown helpers and the machine / versions header.
import os from 'node:os';
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..');

const PACKAGES = [
  ['@nest-perf/cache', 'libs/cache/package.json'],
  ['@nestjs/core'],
  ['mitata'],
  ['cache-manager'],
  ['keyv'],
  ['@keyv/redis'],
  ['bentocache'],
  ['cacheable'],
  ['@redis/client', null, 'node-redis 5'],
  ['redis6', null, 'node-redis 6'],
  ['ioredis'],
];

function version(name, path) {
  try {
    const pkg = JSON.parse(
      readFileSync(join(ROOT, path ?? `node_modules/${name}/package.json`), 'utf8'),
    );
    return pkg.version + (pkg.name !== name ? ` (${pkg.name})` : '');
  } catch {
    return 'not installed';
  }
}

export function machineMarkdown() {
  const cpus = os.cpus();
  const lines = [
    `- machine: ${cpus[0]?.model?.trim() ?? 'unknown CPU'}, ${cpus.length} cores, ${(os.totalmem() / 2 ** 30).toFixed(1)} GiB, ${os.platform()} ${os.release()}`,
    `- runtime: Node ${process.version} (${process.execArgv.join(' ') || 'no flags'})`,
    `- date: ${new Date().toISOString()}`,
    `- packages: ${PACKAGES.map(([n, p, label]) => `${label ?? n} ${version(n, p)}`).join(', ')}`,
  ];
  return lines.join('\n');
}

export function table(headers, rows) {
  const line = (cells) => `| ${cells.join(' | ')} |`;
  return [line(headers), line(headers.map(() => '---')), ...rows.map(line)].join('\n');
}

const isNum = (x) => typeof x === 'number' && Number.isFinite(x);
export const fmtInt = (x) => (isNum(x) ? Math.round(x).toLocaleString('en-US') : 'n/a');
export const fmtNs = (x) => (isNum(x) ? (x >= 100 ? fmtInt(x) : x.toFixed(1)) : 'n/a');
export const fmtRatio = (x) => (isNum(x) ? `${x >= 10 ? x.toFixed(1) : x.toFixed(2)}×` : 'n/a');
export const fmtMB = (bytes) => (isNum(bytes) ? `${(bytes / 2 ** 20).toFixed(1)} MB` : 'n/a');

/** ✓ / ✗ for a target, '–' when it could not be measured. */
export const check = (ok) => (ok === undefined || ok === null ? '–' : ok ? '✓' : '✗');

/** A target line: `- ✓ nest-perf ≤ 2.5× the async floor (measured 1.83×)`. */
export const targetLine = (ok, text, measured) =>
  `- ${check(ok)} ${text}${measured ? ` (measured ${measured})` : ''}`;
