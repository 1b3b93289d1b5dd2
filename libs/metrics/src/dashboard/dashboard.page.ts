/**
 * The self-contained dashboard page of `GET /performance`: one HTML document with its styles
 * inline and its script loaded from `<basePath>/dashboard.js` (see dashboard.script.ts), so it
 * works offline and under a `script-src 'self'` Content-Security-Policy (helmet's default).
 */

export { DASHBOARD_SCRIPT } from './dashboard.script';

/** What {@link renderDashboardHtml} needs to know. */
export interface DashboardPageOptions {
  /** Absolute path of the dashboard itself (`/performance`, `/api/performance`). */
  basePath: string;
  /** How often the page polls the JSON endpoints, ms. */
  refreshMs: number;
  /** Heading and document title; `Performance` when left out. */
  title?: string;
  /**
   * Which optional sources the application has. The page does not request those set to false
   * (Chromium logs every 404 response as a console error, fetch() ones included); a source left
   * out is requested, and a 404 from it shows "not installed".
   */
  available?: DashboardSources;
}

/** The optional sources of the dashboard, by the module that provides them. */
export interface DashboardSources {
  /** `/http/stats` (PerformanceModule's `http` option). */
  http?: boolean;
  /** `/cache/stats` (@nest-perf/cache). */
  cache?: boolean;
  /** `/query/stats`, `/query/slow`, `/query/n-plus-one` (@nest-perf/profiler). */
  profiler?: boolean;
  /** `/pool/stats` (@nest-perf/health). */
  pools?: boolean;
}

/** The refresh interval when the one given is not a positive number, ms. */
const DEFAULT_REFRESH_MS = 5_000;

/** @internal Escapes text for HTML element content and double- or single-quoted attributes. */
function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

/**
 * The dashboard page as a complete HTML document. The base path and refresh interval travel in
 * `data-` attributes of `<body>`; the page has no inline script and loads nothing from other
 * origins.
 */
export function renderDashboardHtml(options: DashboardPageOptions): string {
  const base = options.basePath.replace(/\/+$/, '');
  const refreshMs =
    Number.isFinite(options.refreshMs) && options.refreshMs > 0
      ? Math.round(options.refreshMs)
      : DEFAULT_REFRESH_MS;
  const title = escapeHtml(options.title || 'Performance');
  const attr = (value: string | number) => `"${escapeHtml(String(value))}"`;
  const unavailable = Object.entries(options.available ?? {})
    .filter(([, present]) => present === false)
    .map(([key]) => key);
  const seconds = refreshMs >= 1_000 ? `${+(refreshMs / 1_000).toFixed(1)} s` : `${refreshMs} ms`;
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="color-scheme" content="light dark">
<meta name="robots" content="noindex">
<title>${title}</title>
<link rel="icon" href="data:,">
<style>${DASHBOARD_CSS}</style>
<script src=${attr(`${base}/dashboard.js`)} defer></script>
</head>
<body data-base-path=${attr(base)} data-refresh-ms=${attr(refreshMs)} data-unavailable=${attr(unavailable.join(' '))} data-polls="0">
<header class="top">
  <div>
    <h1>${title}</h1>
    <p class="muted" id="since">Waiting for the first statistics&hellip;</p>
  </div>
  <div class="controls">
    <span class="pill" id="overall" data-testid="overall">Targets&hellip;</span>
    <span class="muted" id="updated">Every ${seconds}</span>
    <button type="button" id="pause" aria-pressed="false">Pause</button>
  </div>
</header>
<noscript><p class="card">This dashboard needs JavaScript; the JSON is under ${escapeHtml(base)}/.</p></noscript>
<main>
  <section class="kpis" data-testid="kpis">
${KPIS.map(([id, label]) => kpi(id, label)).join('\n')}
  </section>
${panel('targets', 'Targets', 'wide')}
  <div class="grid">
${panel('traffic', 'Traffic this session')}
${panel('latency', 'p95 latency by route', '', 'bar to p95, whisker to p99')}
  </div>
${panel('routes', 'Routes', 'wide')}
  <div class="grid">
${panel('cache', 'Cache hit rate')}
${panel('pool', 'Connection pools')}
  </div>
${panel('n-plus-one', 'N+1 queries', 'wide')}
${panel('slow-queries', 'Slow queries', 'wide', 'newest first')}
${panel('queries', 'Top statements', 'wide', 'by total time')}
</main>
<footer class="muted">nest-perf &middot; JSON under <code>${escapeHtml(base)}/</code></footer>
</body>
</html>
`;
}

/** @internal The headline numbers: element id suffix and label. */
const KPIS: Array<[string, string]> = [
  ['requests', 'Requests'],
  ['rate', 'Throughput'],
  ['p95', 'p95 latency'],
  ['errors', 'Error rate (5xx)'],
  ['hit-rate', 'Cache hit rate'],
  ['statements', 'SQL statements'],
];

/** @internal One headline number; the script fills `#kpi-<id>` and `#kpi-<id>-sub`. */
function kpi(id: string, label: string): string {
  return `    <div class="kpi" data-testid="kpi-${id}"><div class="muted">${label}</div><div class="value" id="kpi-${id}">&ndash;</div><div class="muted small" id="kpi-${id}-sub">&nbsp;</div></div>`;
}

/** @internal A panel the script fills: `data-state` is loading, ok, error or not-installed. */
function panel(id: string, heading: string, className = '', note = ''): string {
  return `  <section class="card ${className}" data-testid="${id}" id="${id}" data-state="loading">
    <div class="card-head"><h2>${heading}</h2>${note ? `<span class="muted small">${note}</span>` : ''}<span class="state loading" aria-live="polite">Loading&hellip;</span></div>
    <div class="body"></div>
  </section>`;
}

/** @internal The page's styles; light and dark through prefers-color-scheme. */
const DASHBOARD_CSS = `
:root {
  --bg: #f4f6f9; --panel: #fff; --text: #1c2330; --muted: #5d6878; --border: #e1e5eb;
  --track: #edf0f4; --accent: #2f6bd8; --accent2: #8b5cf6; --good: #1b8f4d; --warn: #b7790a;
  --bad: #d23f3f; --idle: #9fb7e6; --code: #f6f8fa;
  color-scheme: light dark;
}
@media (prefers-color-scheme: dark) {
  :root {
    --bg: #0e1116; --panel: #161b22; --text: #e4e8ee; --muted: #97a1af; --border: #2a313c;
    --track: #222933; --accent: #5b9bff; --accent2: #b196ff; --good: #3fbf77; --warn: #e0a526;
    --bad: #f26b6b; --idle: #34507f; --code: #1d232c;
  }
}
* { box-sizing: border-box; }
html { background: var(--bg); color: var(--text); }
body {
  margin: 0 auto; max-width: 1440px; padding: 20px 24px 32px;
  font: 14px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial, sans-serif;
}
code, pre, .mono { font-family: ui-monospace, SFMono-Regular, Menlo, Consolas, "Liberation Mono", monospace; font-size: 12px; }
h1 { font-size: 22px; margin: 0; font-weight: 650; letter-spacing: -0.01em; }
h2 { font-size: 15px; margin: 0; font-weight: 620; }
.muted { color: var(--muted); }
.small { font-size: 12px; }
p { margin: 4px 0 0; }
.top { display: flex; flex-wrap: wrap; gap: 12px; justify-content: space-between; align-items: center; margin-bottom: 16px; }
.controls { display: flex; gap: 12px; align-items: center; }
button {
  font: inherit; color: var(--text); background: var(--panel); border: 1px solid var(--border);
  border-radius: 6px; padding: 4px 12px; cursor: pointer;
}
button:hover { border-color: var(--accent); }
.pill { display: inline-block; padding: 3px 10px; border-radius: 999px; font-weight: 600; font-size: 13px; background: var(--track); }
.pill.good, .badge.good { background: color-mix(in srgb, var(--good) 16%, transparent); color: var(--good); }
.pill.bad, .badge.bad { background: color-mix(in srgb, var(--bad) 16%, transparent); color: var(--bad); }
.pill.warn, .badge.warn { background: color-mix(in srgb, var(--warn) 18%, transparent); color: var(--warn); }
.badge { display: inline-block; padding: 1px 8px; border-radius: 4px; font-size: 12px; font-weight: 600; background: var(--track); color: var(--muted); white-space: nowrap; }
main { display: flex; flex-direction: column; gap: 16px; }
.grid { display: grid; grid-template-columns: repeat(auto-fit, minmax(420px, 1fr)); gap: 16px; }
.kpis { display: grid; grid-template-columns: repeat(auto-fit, minmax(170px, 1fr)); gap: 12px; }
.kpi, .card { background: var(--panel); border: 1px solid var(--border); border-radius: 10px; }
.kpi { padding: 12px 14px; }
.kpi .value { font-size: 24px; font-weight: 650; margin: 2px 0; font-variant-numeric: tabular-nums; }
.card { padding: 14px 16px; min-width: 0; }
.card-head { display: flex; gap: 10px; align-items: baseline; margin-bottom: 10px; }
.card-head .state { margin-left: auto; font-size: 12px; color: var(--muted); }
.state.error { color: var(--bad); font-weight: 600; }
.empty { color: var(--muted); padding: 8px 0; }
.empty.good::before { content: "\\2713  "; color: var(--good); font-weight: 700; }
.table-wrap { overflow-x: auto; }
table { width: 100%; border-collapse: collapse; font-variant-numeric: tabular-nums; }
th, td { padding: 6px 8px; border-bottom: 1px solid var(--border); text-align: left; vertical-align: top; }
th { font-size: 12px; font-weight: 600; color: var(--muted); white-space: nowrap; }
tbody tr:hover { background: color-mix(in srgb, var(--accent) 6%, transparent); }
tfoot td { font-weight: 600; border-bottom: 0; }
td.num, th.num { text-align: right; white-space: nowrap; }
td.route { overflow-wrap: anywhere; min-width: 180px; }
td.name { overflow-wrap: anywhere; }
.grid th, .grid td { padding: 6px 5px; }
td.over { color: var(--bad); font-weight: 600; }
.method { font-weight: 600; font-size: 11px; letter-spacing: 0.03em; }
.sql {
  font-family: ui-monospace, SFMono-Regular, Menlo, Consolas, "Liberation Mono", monospace; font-size: 12px;
  white-space: pre-wrap; word-break: break-word; margin: 0; display: -webkit-box;
  -webkit-line-clamp: 3; -webkit-box-orient: vertical; overflow: hidden;
}
td .sql { min-width: 260px; }
pre.sql.full { display: block; -webkit-line-clamp: none; max-height: 12em; overflow: auto; }
pre.sql { background: var(--code); border: 1px solid var(--border); border-radius: 6px; padding: 6px 8px; }
svg { display: block; max-width: 100%; height: auto; font-family: inherit; }
svg text { fill: var(--text); font-size: 12px; }
svg text.axis, svg text.note { fill: var(--muted); font-size: 11px; }
svg .grid-line { stroke: var(--border); stroke-width: 1; }
svg .track { fill: var(--track); }
svg .bar, svg .active { fill: var(--accent); }
svg .idle { fill: var(--idle); }
svg .bar.good { fill: var(--good); } svg .bar.warn { fill: var(--warn); } svg .bar.bad { fill: var(--bad); }
svg .whisker { stroke: var(--text); stroke-width: 1.5; opacity: 0.55; }
svg .line { fill: none; stroke: var(--accent); stroke-width: 2; stroke-linejoin: round; }
svg .area { fill: var(--accent); opacity: 0.12; }
svg .dot { fill: var(--accent); }
svg.alt .line { stroke: var(--accent2); } svg.alt .area, svg.alt .dot { fill: var(--accent2); }
.chart-label { display: flex; justify-content: space-between; font-size: 12px; color: var(--muted); margin: 6px 0 2px; }
.chart-label strong { color: var(--text); font-variant-numeric: tabular-nums; }
.targets { display: grid; grid-template-columns: repeat(auto-fit, minmax(240px, 1fr)); gap: 12px; }
.target { border: 1px solid var(--border); border-radius: 8px; padding: 10px 12px; border-left: 4px solid var(--border); }
.target.good { border-left-color: var(--good); } .target.bad { border-left-color: var(--bad); }
.target .value { font-size: 18px; font-weight: 650; font-variant-numeric: tabular-nums; }
.target .row { display: flex; justify-content: space-between; gap: 8px; align-items: baseline; }
.pool + .pool { margin-top: 14px; padding-top: 12px; border-top: 1px solid var(--border); }
.pool .row { display: flex; justify-content: space-between; gap: 8px; align-items: baseline; margin-bottom: 6px; }
.legend { display: flex; flex-wrap: wrap; gap: 4px 14px; font-size: 12px; color: var(--muted); margin-top: 6px; }
.legend b { color: var(--text); font-weight: 600; font-variant-numeric: tabular-nums; }
.swatch { display: inline-block; width: 9px; height: 9px; border-radius: 2px; margin-right: 5px; background: var(--track); }
.swatch.active { background: var(--accent); } .swatch.idle { background: var(--idle); } .swatch.waiting { background: var(--warn); }
.report + .report { margin-top: 12px; padding-top: 12px; border-top: 1px solid var(--border); }
.report .row { display: flex; flex-wrap: wrap; gap: 8px 12px; align-items: baseline; margin-bottom: 6px; }
.report .route { font-weight: 600; overflow-wrap: anywhere; }
.call-site code { overflow-wrap: anywhere; }
.hint { white-space: pre-line; margin-top: 6px; padding: 6px 10px; border-radius: 6px; background: color-mix(in srgb, var(--warn) 10%, transparent); }
footer { margin-top: 20px; font-size: 12px; text-align: center; }
`;
