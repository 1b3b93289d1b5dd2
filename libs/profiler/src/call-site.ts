import { dirname, relative, sep } from 'node:path';
import { findSourceMap } from 'node:module';

// Frames from this package (src/ under ts-jest, dist/ when built) are never the call site.
const OWN_ROOT = dirname(__dirname) + sep;
const NODE_MODULES = `${sep}node_modules${sep}`;
const FORMATTED_FRAME = /^\s*at (?:async )?(?:(.+?) \()?(.+?):(\d+):(\d+)\)?$/;

type Prepare = (error: Error, sites: NodeJS.CallSite[]) => unknown;

/**
 * The first stack frame of the application: outside node_modules, outside Node's internals and
 * outside this package, as `Function (path:line:column)` with the path relative to the working
 * directory and mapped to the source file when source maps are on (`--enable-source-maps`, or a
 * test runner's source-map support). Frames are chosen by their real file names, before any
 * mapping, since libraries' source maps point outside node_modules. Costs a stack capture
 * (tens of µs), so it runs only when a request crosses the N+1 threshold.
 * @internal
 */
export function applicationCallSite(): string | undefined {
  const prepare = Error.prepareStackTrace as Prepare | undefined;
  const limit = Error.stackTraceLimit;
  let sites: NodeJS.CallSite[] = [];
  const holder: { stack?: unknown } = {};
  try {
    Error.stackTraceLimit = 80;
    Error.prepareStackTrace = (_error, callSites) => {
      sites = callSites;
      return '';
    };
    Error.captureStackTrace(holder, applicationCallSite);
    void holder.stack;
  } finally {
    (Error as { prepareStackTrace?: Prepare }).prepareStackTrace = prepare;
    Error.stackTraceLimit = limit;
  }
  const site = sites.find(isApplicationFrame);
  return site ? describe(site, prepare) : undefined;
}

function isApplicationFrame(site: NodeJS.CallSite): boolean {
  const file = site.getFileName();
  return (
    typeof file === 'string' &&
    file.includes(sep) &&
    !file.startsWith('node:') &&
    !file.includes(NODE_MODULES) &&
    !file.startsWith(OWN_ROOT)
  );
}

function describe(site: NodeJS.CallSite, prepare: Prepare | undefined): string {
  // A test runner's source-map support (or another installed formatter) maps the frame for us.
  if (prepare) {
    try {
      const line = String(prepare(new Error(), [site])).split('\n')[1] ?? '';
      const match = FORMATTED_FRAME.exec(line);
      if (match) return format(match[1], match[2], Number(match[3]), Number(match[4]));
    } catch {
      // fall through to the raw frame
    }
  }
  let file = site.getFileName() as string;
  let line = site.getLineNumber() ?? 0;
  let column = site.getColumnNumber() ?? 0;
  try {
    const entry = findSourceMap(file)?.findEntry(line - 1, column - 1) as
      { originalSource?: string; originalLine?: number; originalColumn?: number } | undefined;
    if (entry?.originalSource) {
      file = entry.originalSource.replace(/^file:\/\//, '');
      line = (entry.originalLine ?? 0) + 1;
      column = (entry.originalColumn ?? 0) + 1;
    }
  } catch {
    // no source map: keep the compiled position
  }
  return format(functionName(site), file, line, column);
}

function functionName(site: NodeJS.CallSite): string | undefined {
  const name = site.getFunctionName() ?? site.getMethodName() ?? undefined;
  const type = site.isToplevel() ? null : site.getTypeName();
  if (name && type && !name.startsWith(`${type}.`)) return `${type}.${name}`;
  return name ?? undefined;
}

function format(fn: string | undefined, file: string, line: number, column: number): string {
  const shown = file.startsWith(process.cwd() + sep) ? relative(process.cwd(), file) : file;
  return `${fn ? `${fn} ` : ''}(${shown}:${line}:${column})`;
}
