/**
 * @nest-perf/index-advisor: from a recorded workload to proposed indexes. The analysis is pure:
 * {@link analyzeStatement} turns SQL into per-table access patterns, {@link candidateIndexes}
 * turns one access pattern into index candidates, {@link indexName} names them.
 */
export { analyzeStatement, initParsers } from './analysis/sql-analysis';
export type { SqlDialect, StatementAnalysis, TableAccess } from './analysis/sql-analysis';
export { candidateIndexes, MAX_INDEX_COLUMNS } from './analysis/candidates';
export type {
  CandidateOptions,
  CandidateStats,
  IndexCandidate,
  IndexColumn,
  TableSchemaInfo,
} from './analysis/candidates';
export { indexName, quoteIdent, MAX_INDEX_NAME_BYTES } from './analysis/index-name';
export { adviseIndexes, coveredBy, WRITE_HEAVY_IMPROVEMENT } from './advise';
export type { AdviseOptions, AdviceResult, AdvisedIndex, QueryAdvice } from './advise';
export { AdvisorError } from './advisor.errors';
export { createIndexSql, dropIndexSql } from './output/index-sql';
export type { MigrationDialect, PlannedIndex } from './output/index-sql';
export { writeMigration } from './output/migration-writer';
export type { MigrationInput, WrittenMigration } from './output/migration-writer';
export type { PlanEstimate } from './validation/planner';
