import type { QueryRunner } from 'typeorm';
import type { InstrumentedSource } from './instrument';
import type { FingerprintRow } from './query-stats';

/**
 * Captures Postgres' `EXPLAIN (FORMAT JSON)` of a statement into its fingerprint row, on a runner
 * of its own whose statements are not recorded; a failure is stored as `{ error }`, never thrown.
 * @internal
 */
export async function explainInto(
  row: FingerprintRow,
  source: InstrumentedSource,
  sql: string,
  params: unknown[] | undefined,
): Promise<void> {
  let runner: QueryRunner | undefined;
  try {
    runner = source.createUnrecordedRunner();
    const result = (await runner.query(`EXPLAIN (FORMAT JSON) ${sql}`, params)) as {
      'QUERY PLAN': unknown;
    }[];
    row.explain = result[0]?.['QUERY PLAN'];
  } catch (error) {
    row.explain = { error: error instanceof Error ? error.message : String(error) };
  } finally {
    await runner?.release().catch(() => undefined);
  }
}
