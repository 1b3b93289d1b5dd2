import DataLoader from 'dataloader';
import { In } from 'typeorm';
import type { FindOptionsOrder, FindOptionsWhere, ObjectLiteral, Repository } from 'typeorm';
import { currentRequestContext, describeValue } from '@nest-perf/core';
import { checkInteger, isRepository } from './source';
import { ToolkitOptionsError } from './toolkit.errors';

/**
 * Options of {@link defineBatchLoader}. Defaults: many false, no where, no order,
 * maxBatchSize 1000, cache true (per request).
 *
 * @example { many: true, order: { sequenceNumber: 'ASC' } }
 */
export interface BatchLoaderOptions<T extends ObjectLiteral> {
  /**
   * `true`: a key has many rows and `load()` resolves to an array (`[]` when none). `false`
   * (default): a key has at most one row and `load()` resolves to it or undefined; when several
   * rows share the key, the first in `order` wins.
   */
  many?: boolean;
  /** Extra filter ANDed with the key, as `find({ where })` takes it (e.g. `{ deletedAt: IsNull() }`). */
  where?: FindOptionsWhere<T> | FindOptionsWhere<T>[];
  /** Order of the rows (and so of each `many` array), as `find({ order })` takes it. Default: none. */
  order?: FindOptionsOrder<T>;
  /** Most keys per query; more loads in one tick make several queries. Default 1000. */
  maxBatchSize?: number;
  /** Remember loaded keys for the rest of the request (per request only). Default true. */
  cache?: boolean;
}

/**
 * A batch loader definition: share one per service. Inside an HTTP request it uses that request's
 * DataLoader (created on first use, kept in the request context, gone with the request), so
 * results are cached for exactly one request. Outside a request it uses a loader that still
 * batches the loads of one tick but caches nothing.
 *
 * @example const storyboards = await storyboardsOfScript.load(script.id); // Storyboard[]
 */
export interface BatchLoader<K, V> {
  /** `Entity.key`, for logs and errors. */
  readonly name: string;
  /** Resolves to the row(s) for `key`; loads in the same tick become one query. */
  load(key: K): Promise<V>;
  /** `load()` for several keys; rejects if any load fails. */
  loadMany(keys: readonly K[]): Promise<V[]>;
  /** Forgets `key` in the current request's loader (after writing that row). */
  clear(key: K): this;
  /** Forgets every key in the current request's loader. */
  clearAll(): this;
  /** The DataLoader `load()` uses right now, for what this interface does not cover (`prime`). */
  loader(): DataLoader<K, V, string>;
}

/**
 * The repository, or a function returning it (for services whose repository is injected).
 *
 * @example () => this.storyboards
 */
export type RepositorySource<T extends ObjectLiteral> = Repository<T> | (() => Repository<T>);

/**
 * Defines a per-request batch loader of the rows whose column `key` equals the loaded keys: N
 * `load()` calls in the same tick become ONE `find({ where: { [key]: In(keys) } })` query, and the
 * rows are handed back by key. The standard fix for N+1 queries in resolvers and loops.
 *
 * Defaults: many false, no where, no order, maxBatchSize 1000, cache true (per request).
 *
 * @param source the repository, or a getter (`() => this.storyboards`) when it is injected later
 * @param key a column property of the entity (not a relation)
 * @throws ToolkitOptionsError for bad options now, or for a `key` that is no column on first load
 * @example
 * class TasksService {
 *   private readonly storyboardsOf = defineBatchLoader(() => this.storyboards, 'scriptId', {
 *     many: true, order: { sequenceNumber: 'ASC' },
 *   });
 *   withStoryboards(scripts: Script[]) {
 *     // one query for all scripts
 *     return Promise.all(scripts.map(async (s) => ({ ...s, storyboards: await this.storyboardsOf.load(s.id) })));
 *   }
 * }
 */
export function defineBatchLoader<T extends ObjectLiteral, P extends keyof T & string>(
  source: RepositorySource<T>,
  key: P,
  options: BatchLoaderOptions<T> & { many: true },
): BatchLoader<NonNullable<T[P]>, T[]>;
export function defineBatchLoader<T extends ObjectLiteral, P extends keyof T & string>(
  source: RepositorySource<T>,
  key: P,
  options?: BatchLoaderOptions<T> & { many?: false },
): BatchLoader<NonNullable<T[P]>, T | undefined>;
export function defineBatchLoader<T extends ObjectLiteral, P extends keyof T & string>(
  source: RepositorySource<T>,
  key: P,
  options: BatchLoaderOptions<T> = {},
): BatchLoader<NonNullable<T[P]>, T[] | T | undefined> {
  const fn = 'defineBatchLoader';
  const problems: string[] = [];
  if (typeof source !== 'function' && !isRepository(source)) {
    problems.push(
      `source must be a Repository or a function returning one (got ${describeValue(source)})`,
    );
  }
  if (typeof key !== 'string' || key.length === 0) {
    problems.push(`key must be a column property name (got ${describeValue(key)})`);
  }
  checkInteger(problems, 'maxBatchSize', options.maxBatchSize, 1);
  if (problems.length > 0) throw new ToolkitOptionsError(fn, problems);
  return new RepositoryBatchLoader<T, NonNullable<T[P]>>(source, key, options);
}

type Value<T> = T[] | T | undefined;

class RepositoryBatchLoader<T extends ObjectLiteral, K> implements BatchLoader<K, Value<T>> {
  // The key under which each request keeps its DataLoader for this definition.
  private readonly slot = Symbol('nest-perf batch loader');
  private background?: DataLoader<K, Value<T>, string>;
  private checkedKey = false;

  constructor(
    private readonly source: RepositorySource<T>,
    private readonly key: string,
    private readonly options: BatchLoaderOptions<T>,
  ) {}

  get name(): string {
    try {
      return `${this.repository().metadata.name}.${this.key}`;
    } catch {
      return this.key;
    }
  }

  load(key: K): Promise<Value<T>> {
    return this.loader().load(key);
  }

  loadMany(keys: readonly K[]): Promise<Value<T>[]> {
    const loader = this.loader();
    return Promise.all(keys.map((k) => loader.load(k)));
  }

  clear(key: K): this {
    this.loader().clear(key);
    return this;
  }

  clearAll(): this {
    this.loader().clearAll();
    return this;
  }

  loader(): DataLoader<K, Value<T>, string> {
    const context = currentRequestContext();
    if (!context) return (this.background ??= this.create(false));
    let loader = context.slots.get(this.slot) as DataLoader<K, Value<T>, string> | undefined;
    if (!loader) {
      loader = this.create(this.options.cache ?? true);
      context.slots.set(this.slot, loader);
    }
    return loader;
  }

  private create(cache: boolean): DataLoader<K, Value<T>, string> {
    return new DataLoader<K, Value<T>, string>((keys) => this.batch(keys), {
      cache,
      cacheKeyFn: keyOf,
      maxBatchSize: this.options.maxBatchSize ?? 1000,
      name: this.name,
    });
  }

  private repository(): Repository<T> {
    const repository = typeof this.source === 'function' ? this.source() : this.source;
    if (!isRepository<T>(repository)) {
      throw new ToolkitOptionsError('defineBatchLoader', [
        `the source function returned ${describeValue(repository)}, not a Repository`,
      ]);
    }
    return repository;
  }

  private async batch(keys: readonly K[]): Promise<Value<T>[]> {
    const repository = this.repository();
    if (!this.checkedKey) {
      const { metadata } = repository;
      if (
        metadata.findRelationWithPropertyPath(this.key) ||
        !metadata.findColumnWithPropertyPath(this.key)
      ) {
        throw new ToolkitOptionsError('defineBatchLoader', [
          `${repository.metadata.name} has no column property '${this.key}' (use the foreign key column, e.g. 'scriptId', not the relation)`,
        ]);
      }
      this.checkedKey = true;
    }
    // Without the per-request cache DataLoader passes duplicates through.
    const unique = new Map<string, K>();
    for (const k of keys) unique.set(keyOf(k), k);
    const byKey = { [this.key]: In([...unique.values()]) } as FindOptionsWhere<T>;
    const { where, order, many } = this.options;
    const rows = await repository.find({
      where: Array.isArray(where)
        ? where.map((w) => ({ ...w, ...byKey }))
        : { ...(where ?? {}), ...byKey },
      ...(order ? { order } : {}),
    });
    const groups = new Map<string, T[]>();
    for (const row of rows) {
      const id = keyOf(row[this.key]);
      const group = groups.get(id);
      if (group) group.push(row);
      else groups.set(id, [row]);
    }
    return keys.map((k) => {
      const group = groups.get(keyOf(k));
      return many ? (group ?? []) : group?.[0];
    });
  }
}

// One cache key for equal values of different JS types: a bigint column comes back as a string
// from Postgres while callers may load it with a number.
function keyOf(value: unknown): string {
  if (value instanceof Date) return value.toISOString();
  return String(value);
}
