/**
 * The dashboard's browser script, served as `<basePath>/dashboard.js`: plain ES2020 without
 * modules or a build step. It polls the JSON endpoints next to the page and draws tables and
 * inline SVG charts (helpers in dashboard.charts.ts). Every value from the application (routes,
 * SQL, hints) goes into the page as text nodes or attribute values, never as HTML.
 *
 * Optional sources listed in `<body data-unavailable>` are never requested; any other optional
 * source answering 404 shows "not installed" (or "off") and is not asked again (Chromium logs every 404
 * response, fetch() ones included, as a console error). Other failures show inline and are
 * retried on the next tick. Kept free of backticks and dollar-brace for String.raw.
 */
import { DASHBOARD_SCRIPT_HELPERS } from './dashboard.charts';

/** @internal Browser code: the panels, and the polling loop that feeds them. */
const DASHBOARD_PANELS = String.raw`
  const page = document.body;
  const base = (page.dataset.basePath || '').replace(/\/+$/, '');
  const refreshMs = Math.max(250, Number(page.dataset.refreshMs) || 5000);
  const unavailable = (page.dataset.unavailable || '').split(/\s+/).filter(Boolean);
  const HISTORY_POINTS = 180;
  const history = [];
  let targets = {};

  const installs = (what) => 'Not installed: add ' + what + ' to see this.';
  const PROFILER = installs('@nest-perf/profiler (QueryProfilerModule)');
  /** Where each panel's data comes from. Optional sources have a key; a 404 means missing. */
  const SOURCES = [
    { path: '/optimization/status', panels: ['targets'], render: renderTargets },
    { path: '/http/stats', key: 'http', missing: 'HTTP statistics are off (PerformanceModule option http).',
      badge: 'Off', panels: ['traffic', 'latency', 'routes'], kpis: ['requests', 'rate', 'p95', 'errors'],
      render: renderHttp },
    { path: '/cache/stats', key: 'cache', missing: installs('@nest-perf/cache (PerfCacheModule)'),
      panels: ['cache'], kpis: ['hit-rate'], render: renderCache },
    { path: '/pool/stats', key: 'pools', missing: installs('@nest-perf/health (PerfHealthModule)'),
      panels: ['pool'], render: renderPools },
    { path: '/query/n-plus-one', key: 'profiler', missing: PROFILER, panels: ['n-plus-one'], render: renderNPlusOne },
    { path: '/query/slow?limit=10', key: 'profiler', missing: PROFILER, panels: ['slow-queries'], render: renderSlow },
    { path: '/query/stats?limit=10', key: 'profiler', missing: PROFILER, panels: ['queries'], kpis: ['statements'],
      render: renderQueries },
  ];

  // ------------------------------------------------------------------ panels

  function renderTargets(data) {
    const list = Array.isArray(data.targets) ? data.targets : [];
    targets = {};
    for (const t of list) targets[t.name] = t;
    const missed = list.filter((t) => t.met === false).length;
    const known = list.filter((t) => typeof t.met === 'boolean').length;
    const overall = document.getElementById('overall');
    overall.textContent = known === 0 ? 'No target data yet'
      : missed === 0 ? 'All targets met' : missed + ' of ' + list.length + ' targets missed';
    overall.className = 'pill ' + (known === 0 ? '' : missed === 0 ? 'good' : 'bad');
    const cards = list.map((t) => {
      const state = t.met === true ? 'good' : t.met === false ? 'bad' : '';
      return el('div', { class: 'target ' + state, 'data-target': t.name }, [
        el('div', { class: 'row' }, [
          el('strong', null, t.name),
          el('span', { class: 'badge ' + state }, t.met === true ? 'Met' : t.met === false ? 'Not met' : 'No data'),
        ]),
        el('div', { class: 'muted small' }, t.description),
        el('div', { class: 'row' }, [
          el('span', { class: 'value' }, targetValue(t.name, t.current)),
          el('span', { class: 'muted small' },
            'target ' + (t.comparison === '>=' ? '\u2265 ' : '\u2264 ') + targetValue(t.name, t.target)),
        ]),
        t.detail ? el('div', { class: 'muted small detail' }, t.detail) : null,
      ]);
    });
    show('targets', 'ok', '', list.length ? el('div', { class: 'targets' }, cards) : empty('No targets configured.'));
  }

  function renderHttp(data) {
    const total = data.total || {};
    const statuses = total.statuses || {};
    const routes = Array.isArray(data.routes) ? data.routes : [];
    history.push({ at: Date.now(), rate: total.ratePerSec || 0, p95: total.p95Ms || 0 });
    if (history.length > HISTORY_POINTS) history.shift();
    document.getElementById('since').textContent =
      'Statistics since ' + new Date(data.since).toLocaleString('en-GB', { hour12: false });
    kpi('requests', num(total.count), plural(routes.length, 'route'));
    kpi('rate', perSec(total.ratePerSec), 'last 60 s');
    kpi('p95', ms(total.p95Ms), 'p50 ' + ms(total.p50Ms) + ' \u00b7 p99 ' + ms(total.p99Ms));
    kpi('errors', pct(total.errorRate), num(statuses['5xx'] || 0) + ' 5xx \u00b7 ' + num(statuses['4xx'] || 0) + ' 4xx');

    const width = widthOf('traffic');
    const series = (key) => history.map((p) => ({ at: p.at, value: p[key] }));
    const caption = (text, value) => el('div', { class: 'chart-label' }, [el('span', null, text), el('strong', null, value)]);
    show('traffic', 'ok', '', [
      caption('Requests per second (60 s window)', perSec(total.ratePerSec)),
      lineChart(series('rate'), { width: width, label: 'Requests per second', format: perSec }),
      caption('p95 latency, all routes', ms(total.p95Ms)),
      lineChart(series('p95'), { width: width, label: 'p95 latency', format: ms, alt: true }),
    ]);

    const limit = targets.p95Ms && finite(targets.p95Ms.target) ? targets.p95Ms.target : Infinity;
    const name = (r) => r.method + ' ' + r.route;
    const slowest = routes.slice().sort((a, b) => b.p95Ms - a.p95Ms).slice(0, 12);
    show('latency', 'ok', '', slowest.length ? barChart(slowest.map((r) => ({
      label: name(r), value: r.p95Ms, whisker: r.p99Ms, tone: r.p95Ms > limit ? 'bad' : '', text: ms(r.p95Ms),
      title: name(r) + ': p50 ' + ms(r.p50Ms) + ', p95 ' + ms(r.p95Ms) + ', p99 ' + ms(r.p99Ms),
    })), { width: widthOf('latency'), label: 'p95 latency by route', valueWidth: 80 }) : empty('No requests yet.'));

    const status = (cls) => (r) => num((r.statuses || {})[cls] || 0);
    show('routes', 'ok', plural(routes.length, 'route'), routes.length ? table([
      { label: 'Method', value: (r) => el('span', { class: 'method' }, r.method) },
      { label: 'Route', value: (r) => r.route, cls: () => 'route' },
      { label: 'Requests', num: true, value: (r) => num(r.count) },
      { label: 'Rate', num: true, value: (r) => perSec(r.ratePerSec) },
      { label: 'Mean', num: true, value: (r) => ms(r.meanMs) },
      { label: 'p50', num: true, value: (r) => ms(r.p50Ms) },
      { label: 'p95', num: true, value: (r) => ms(r.p95Ms), cls: (r) => (r.p95Ms > limit ? 'over' : '') },
      { label: 'p99', num: true, value: (r) => ms(r.p99Ms) },
      { label: 'Max', num: true, value: (r) => ms(r.maxMs) },
      { label: '4xx', num: true, value: status('4xx') },
      { label: '5xx', num: true, value: status('5xx') },
      { label: 'Errors', num: true, value: (r) => pct(r.errorRate), cls: (r) => (r.errorRate > 0 ? 'over' : '') },
    ], routes, Object.assign({}, total, { method: '', route: 'All routes' })) : empty('No requests yet.'));
  }

  function renderCache(data) {
    const total = data.total || {};
    const rows = Object.entries(data.namespaces || {})
      .map(([name, stats]) => Object.assign({ name: name }, stats))
      .sort((a, b) => b.hits + b.misses - (a.hits + a.misses));
    kpi('hit-rate', pct(total.hitRate), num(total.hits) + ' hits \u00b7 ' + num(total.misses) + ' misses');
    const want = targets.cacheHitRate && finite(targets.cacheHitRate.target) ? targets.cacheHitRate.target : 0.8;
    show('cache', 'ok', plural(rows.length, 'namespace'), rows.length ? [
      barChart(rows.map((r) => (r.hits + r.misses ? {
        label: r.name, value: r.hitRate, tone: tone(r.hitRate, want, want / 2),
        text: pct(r.hitRate) + ' (' + num(r.hits) + '/' + num(r.hits + r.misses) + ')',
      } : { label: r.name, value: 0, text: 'no calls yet' })), { width: widthOf('cache'), max: 1, labelWidth: 170, label: 'Cache hit rate per namespace' }),
      table([
        { label: 'Namespace', value: (r) => r.name, cls: () => 'name' },
        { label: 'Hits', num: true, value: (r) => num(r.hits) },
        { label: 'Misses', num: true, value: (r) => num(r.misses) },
        { label: 'L1 / L2', num: true, value: (r) => num(r.l1Hits) + ' / ' + num(r.l2Hits) },
        { label: 'Hit rate', num: true, value: (r) => (r.hits + r.misses ? pct(r.hitRate) : DASH) },
        { label: 'Avg load', num: true, value: (r) => ms(r.avgLoadMs) },
        { label: 'Evicted', num: true, value: (r) => num(r.evictions) },
        { label: 'Errors', num: true, value: (r) => num((r.errors || 0) + (r.loadErrors || 0)) },
      ], rows, Object.assign({ name: 'All' }, total)),
    ] : empty('No cached calls yet.'));
  }

  function renderPools(data) {
    const pools = Array.isArray(data.pools) ? data.pools : [];
    const fact = (label, value, cls) =>
      el('span', null, [cls ? el('i', { class: 'swatch ' + cls }) : null, label + ' ', el('b', null, value)]);
    show('pool', 'ok', pools.length > 1 ? plural(pools.length, 'pool') : '', pools.length ? pools.map((p) => {
      const pooled = p.pooled !== false;
      const problems = (p.timeouts || 0) + (p.errors || 0);
      return el('div', { class: 'pool', 'data-pool': p.name }, [
        el('div', { class: 'row' }, [
          el('span', null, [el('strong', null, p.name), ' ', el('span', { class: 'badge' }, p.driver)]),
          pooled ? el('span', { class: 'badge ' + tone(1 - (p.utilization || 0), 0.3, 0.1) }, pct(p.utilization) + ' used')
            : el('span', { class: 'muted small' }, 'not pooled'),
        ]),
        pooled ? poolBar(p, widthOf('pool')) : null,
        el('div', { class: 'legend' }, [
          pooled ? fact('active', num(p.active), 'active') : null,
          pooled ? fact('idle', num(p.idle), 'idle') : null,
          pooled ? fact('waiting', num(p.waiting || 0), 'waiting') : null,
          pooled ? fact('max', p.max ? num(p.max) : 'unlimited') : null,
          p.acquire && p.acquire.count ? fact('acquire p95', ms(p.acquire.p95Ms)) : null,
          el('span', { class: problems ? 'badge bad' : null }, ['timeouts ', el('b', null, num(p.timeouts || 0)),
            ' \u00b7 errors ', el('b', null, num(p.errors || 0))]),
        ]),
      ]);
    }) : empty('No connection pools.'));
  }

  function renderNPlusOne(data) {
    const reports = Array.isArray(data.reports) ? data.reports : [];
    show('n-plus-one', 'ok', reports.length ? num(reports.length) + ' found' : '', reports.length ? reports.map((r) =>
      el('div', { class: 'report', 'data-route': r.route }, [
        el('div', { class: 'row' }, [
          el('span', { class: 'route' }, r.route),
          el('span', { class: 'badge bad' }, num(r.count) + '\u00d7 per request'),
          el('span', { class: 'muted small' }, 'max ' + num(r.maxCount) + ' \u00b7 ' + plural(r.requests, 'request') +
            ' \u00b7 ' + ms(r.totalMs) + ' \u00b7 last seen ' + clock(r.lastSeen)),
        ]),
        sqlText(r.sql, 'pre'),
        r.callSite ? el('div', { class: 'small call-site' }, ['at ', el('code', null, r.callSite)]) : null,
        r.hint ? el('div', { class: 'hint small' }, r.hint) : null,
      ])) : empty('No N+1 patterns detected.', true));
  }

  function renderSlow(data) {
    const rows = Array.isArray(data.slowQueries) ? data.slowQueries : [];
    show('slow-queries', 'ok', rows.length ? num(rows.length) + ' shown' : '', rows.length ? table([
      { label: 'Duration', num: true, value: (q) => ms(q.durationMs), cls: () => 'over' },
      { label: 'Route', value: (q) => q.route, cls: () => 'route' },
      { label: 'Statement', value: (q) => [sqlText(q.sql), q.error ? el('div', { class: 'state error small' }, q.error) : null] },
      { label: 'At', num: true, value: (q) => clock(q.at) },
    ], rows) : empty('No statements over the slow-query threshold.', true));
  }

  function renderQueries(data) {
    const s = data.summary || {};
    const rows = Array.isArray(data.queries) ? data.queries : [];
    kpi('statements', num(s.statements),
      num(s.slowQueries) + ' slow \u00b7 ' + num(s.nPlusOne) + ' N+1 \u00b7 ' + num(s.errors) + ' failed');
    show('queries', 'ok', '', rows.length ? table([
      { label: 'Statement', value: (q) => sqlText(q.sql) },
      { label: 'Calls', num: true, value: (q) => num(q.count) },
      { label: 'Total', num: true, value: (q) => ms(q.totalMs) },
      { label: 'Mean', num: true, value: (q) => ms(q.meanMs) },
      { label: 'p95', num: true, value: (q) => ms(q.p95Ms) },
      { label: 'p99', num: true, value: (q) => ms(q.p99Ms) },
      { label: 'Max', num: true, value: (q) => ms(q.maxMs) },
      { label: 'Errors', num: true, value: (q) => num(q.errors) },
      { label: 'Routes', value: (q) => (q.routes || []).slice(0, 3).map((r) => el('div', null, r)), cls: () => 'route small' },
    ], rows) : empty('No statements yet.'));
  }

  // ------------------------------------------------------------------ polling

  /** Loads one source and resolves to whether it worked; never rejects. */
  async function load(source) {
    if (source.absent) return true;
    try {
      const signal = AbortSignal.timeout ? AbortSignal.timeout(Math.max(refreshMs, 10000)) : undefined;
      const res = await fetch(base + source.path, { headers: { accept: 'application/json' }, cache: 'no-store', signal });
      if (res.status === 404 && source.key) return notInstalled(source);
      if (!res.ok) return failed(source, 'HTTP ' + res.status);
      let data;
      try {
        data = await res.json();
      } catch {
        return failed(source, 'not JSON');
      }
      try {
        source.render(data);
      } catch (error) {
        return failed(source, 'could not draw the data: ' + ((error && error.message) || error));
      }
      return true;
    } catch (error) {
      const name = error && error.name;
      return failed(source, name === 'TimeoutError' ? 'timed out' : name === 'TypeError' ? 'unreachable'
        : String((error && error.message) || error));
    }
  }

  function failed(source, reason) {
    for (const name of source.panels) {
      show(name, 'error', 'Failed: ' + reason + ' \u00b7 retrying');
      const body = panel(name).querySelector('.body');
      if (!body.firstChild) body.append(empty('No data yet.'));
    }
    return false;
  }

  /** The module behind an optional source is not there; it will not appear later either. */
  function notInstalled(source) {
    source.absent = true;
    for (const name of source.panels) {
      show(name, 'not-installed', source.badge || 'Not installed', empty(source.missing));
    }
    for (const name of source.kpis || []) kpi(name, DASH, (source.badge || 'not installed').toLowerCase());
    return true;
  }

  let polls = 0, timer = 0, inFlight = false, paused = false;

  async function tick() {
    clearTimeout(timer);
    if (paused || document.hidden || inFlight) return;
    inFlight = true;
    const results = await Promise.all(SOURCES.map(load));
    inFlight = false;
    page.dataset.polls = String(++polls);
    const failures = results.filter((ok) => !ok).length;
    const updated = document.getElementById('updated');
    updated.textContent = (failures ? plural(failures, 'source') + ' failed \u00b7 ' : 'Updated ') + clock(Date.now()) +
      ' \u00b7 every ' + (refreshMs >= 1000 ? refreshMs / 1000 + ' s' : refreshMs + ' ms');
    updated.className = failures ? 'state error' : 'muted';
    clearTimeout(timer);
    if (!paused) timer = setTimeout(tick, refreshMs);
  }

  for (const source of SOURCES) if (source.key && unavailable.includes(source.key)) notInstalled(source);
  const button = document.getElementById('pause');
  button.addEventListener('click', () => {
    paused = !paused;
    button.textContent = paused ? 'Resume' : 'Pause';
    button.setAttribute('aria-pressed', String(paused));
    if (paused) clearTimeout(timer);
    else tick();
  });
  document.addEventListener('visibilitychange', () => {
    if (!document.hidden) tick();
  });
  tick();
`;

/** The browser JavaScript of the dashboard page, served as `<basePath>/dashboard.js`. */
export const DASHBOARD_SCRIPT: string =
  "(function () {\n  'use strict';\n" + DASHBOARD_SCRIPT_HELPERS + DASHBOARD_PANELS + '})();\n';
