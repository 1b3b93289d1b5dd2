import type { IncomingMessage, ServerResponse } from 'node:http';
import type { PerfRequestContext } from '@nest-perf/core';
import onHeaders from 'on-headers';
import type { QueryProfiler } from './query-profiler';

/**
 * Opens the profiler's record of a request and arranges its end: just before the response
 * headers go out, the record is closed (N+1 reported, statements attributed to the route) and
 * `Server-Timing` is added; a request that ends without headers (client gone) is closed too.
 * @internal
 */
export function trackRequest(
  profiler: QueryProfiler,
  context: PerfRequestContext,
  request: unknown,
  response: ServerResponse | undefined,
): void {
  const record = profiler.openRequest(context, request);
  if (!response || typeof response.setHeader !== 'function') return;
  onHeaders(response, function (this: ServerResponse) {
    profiler.closeRequest(record);
    if (profiler.options.serverTiming) {
      const entry = record.serverTiming();
      const existing = this.getHeader('Server-Timing');
      this.setHeader(
        'Server-Timing',
        existing === undefined || existing === '' ? entry : `${String(existing)}, ${entry}`,
      );
    }
  });
  response.once('close', () => profiler.closeRequest(record));
}

/** @internal The method of a Node request. */
export function methodOf(request: unknown): string {
  return (request as IncomingMessage | undefined)?.method ?? 'GET';
}
