import type { AdvisedIndex, AdviceResult, QueryAdvice } from '../advise';
import type { TableInfo } from '../schema/postgres-schema';

const fmt = (n: number | undefined) =>
  n === undefined ? '–' : n >= 100 ? Math.round(n).toLocaleString('en-US') : n.toFixed(2);
const short = (sql: string, max = 140) => {
  const flat = sql.replace(/\s+/g, ' ').trim();
  return flat.length > max ? `${flat.slice(0, max - 1)}…` : flat;
};
const cell = (s: string) => s.replace(/\|/g, '\\|');

/**
 * The Markdown report: the proposed indexes with their `@Index` lines, then per query the plan
 * cost and shape before and after and the index that serves it, redundant existing indexes, and
 * what could not be checked.
 * @internal
 */
export function writeReport(input: {
  indexes: AdvisedIndex[];
  queries: QueryAdvice[];
  redundant: AdviceResult['redundant'];
  skipped: AdviceResult['skipped'];
  tables: Map<string, TableInfo>;
  settings: { minImprovement: number; source?: string; dialect: 'postgres' | 'sqlite' };
}): string {
  const { indexes, queries, redundant, skipped, tables, settings } = input;
  const lines: string[] = ['# Index advice', ''];
  const how =
    settings.dialect === 'postgres'
      ? "Costs are the Postgres planner's estimates for a generic plan (any parameter values); " +
        'candidates were tried as hypopg hypothetical indexes'
      : "SQLite's planner gives no costs: plans (EXPLAIN QUERY PLAN) are scored by their steps " +
        '(full scan N rows, index search N / 10^columns, sort N / 2, N = the largest table); ' +
        'candidates were created inside a transaction that was rolled back';
  lines.push(
    `From ${settings.source ?? 'the workload'}: ${queries.length} queries, ${indexes.length} index(es) proposed. ` +
      `${how}, and kept when they cut a query's cost by at least ` +
      `${Math.round(settings.minImprovement * 100)}% and its plan used them.`,
    '',
  );
  lines.push('## Proposed indexes', '');
  if (indexes.length === 0) lines.push('None: no candidate met the bar.', '');
  for (const index of indexes) {
    const table = [...tables.values()].find(
      (t) => t.name === index.table && t.schema === index.schema,
    );
    lines.push(
      `### \`${index.name}\``,
      '',
      `- on \`${index.schema ? `${index.schema}.` : ''}${index.table}\` (${index.method}): ${index.columns
        .map((c) => `\`${c.name}\`${c.direction === 'DESC' ? ' DESC' : ''}`)
        .join(
          ', ',
        )}${index.include?.length ? `; INCLUDE ${index.include.map((c) => `\`${c}\``).join(', ')}` : ''}${
        index.where ? `; WHERE \`${index.where}\`` : ''
      }`,
      `- why: ${index.reason}`,
      `- serves: ${index.serves.map((f) => `\`${f}\``).join(', ')}`,
      ...(table && table.writes > Math.max(1, table.reads)
        ? [
            `- note: \`${index.table}\` is write-heavy (${fmt(table.writes)} rows written vs ${fmt(table.reads)} read since the statistics reset); every index slows those writes, so its indexes had to cut a query's cost by 80%.`,
          ]
        : []),
      '- add to the entity, so `synchronize` / `migration:generate` keep it:',
      '',
      '```ts',
      index.entityDecorator,
      '```',
      '',
    );
  }
  lines.push(
    '## Queries',
    '',
    '| query | calls | total ms | cost before | cost after | plan before | plan after | index |',
    '| --- | ---: | ---: | ---: | ---: | --- | --- | --- |',
  );
  for (const q of queries) {
    lines.push(
      `| \`${q.fingerprint}\` ${cell(short(q.sql))} | ${q.calls} | ${fmt(q.totalMs)} | ${fmt(q.before?.cost)} | ${fmt(
        q.after?.cost ?? q.before?.cost,
      )} | ${cell(q.before?.shape ?? '–')} | ${cell(q.after?.shape ?? q.before?.shape ?? '–')} | ${
        q.uses.length ? q.uses.map((u) => `\`${u}\``).join(', ') : cell(q.note ?? '–')
      } |`,
    );
  }
  lines.push('');
  if (redundant.length > 0) {
    lines.push('## Redundant existing indexes (not dropped)', '');
    for (const r of redundant) {
      lines.push(
        `- \`${r.index}\` on \`${r.table}\`: \`${r.coveredBy}\` starts with the same columns`,
      );
    }
    lines.push('');
  }
  if (skipped.length > 0) {
    lines.push('## Not checked', '');
    for (const s of skipped) lines.push(`- ${s.definition}: ${s.reason}`);
    lines.push('');
  }
  return lines.join('\n');
}
