import type { IncomingMessage, ServerResponse } from 'node:http';
import { createRequestContext, runWithRequestContext } from '@nest-perf/core';
import type { QueryProfiler } from './query-profiler';
import { trackRequest } from './request-tracking';

type RequestListener = (this: unknown, req: IncomingMessage, res: ServerResponse) => void;

interface RequestEmitter {
  listeners(event: 'request'): RequestListener[];
  removeAllListeners(event: 'request'): unknown;
  on(event: 'request', listener: RequestListener): unknown;
}

/**
 * Enters each request's context where Node hands the request to the framework: the HTTP
 * server's `request` listeners run inside it. This replaces a Nest middleware on every route,
 * which cost ~8 µs per request in Express's router (a wildcard layer matched for every request)
 * and Nest's middleware proxies; it also starts earlier (before body parsing). Returns the
 * function that puts the original listeners back, or undefined when `server` is not an HTTP
 * server (the caller then points to QueryProfilerInterceptor).
 * @internal
 */
export function hookServer(profiler: QueryProfiler, server: unknown): (() => void) | undefined {
  const emitter = server as Partial<RequestEmitter> | undefined;
  if (
    typeof emitter?.listeners !== 'function' ||
    typeof emitter.removeAllListeners !== 'function' ||
    typeof emitter.on !== 'function'
  ) {
    return undefined;
  }
  const target = emitter as RequestEmitter;
  const originals = target.listeners('request');
  if (originals.length === 0) return undefined;
  const inContext: RequestListener = function (req, res) {
    const context = createRequestContext(req.method ?? 'GET');
    trackRequest(profiler, context, req, res);
    runWithRequestContext(context, () => {
      for (const listener of originals) listener.call(this, req, res);
    });
  };
  target.removeAllListeners('request');
  target.on('request', inContext);
  return () => {
    if (!target.listeners('request').includes(inContext)) return;
    target.removeAllListeners('request');
    for (const listener of originals) target.on('request', listener);
  };
}
