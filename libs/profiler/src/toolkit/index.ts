// The query toolkit: pagination (offset and keyset), estimated counts, chunked batch work and
// per-request batch loaders for TypeORM repositories and query builders.
export { paginate, resolvePage } from './paginate';
export type { Page, PageRequest, PageWindow, PaginateOptions } from './paginate';
export { paginateKeyset } from './keyset';
export type { KeysetOptions, KeysetOrder, KeysetPage, SortDirection } from './keyset';
export { encodeCursor, decodeCursor, MAX_CURSOR_LENGTH } from './cursor';
export type { CursorValue } from './cursor';
export { countRows } from './count';
export type { CountOptions, RowCount } from './count';
export { chunks, forEachChunk } from './chunks';
export type { ChunkOptions, ChunkRun } from './chunks';
export { defineBatchLoader } from './batch-loader';
export type { BatchLoader, BatchLoaderOptions, RepositorySource } from './batch-loader';
export type { QuerySource, WhereOption } from './source';
export { InvalidCursorError, ToolkitOptionsError } from './toolkit.errors';
