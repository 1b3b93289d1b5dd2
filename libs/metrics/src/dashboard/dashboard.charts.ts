/**
 * The first half of the dashboard's browser script: DOM helpers, number formats and the inline
 * SVG charts. dashboard.script.ts puts it and the panels into one function scope. Plain ES2020;
 * free of backticks and dollar-brace so that it can live in a String.raw literal.
 */

/** @internal Browser code: helpers shared by the panels of dashboard.script.ts. */
export const DASHBOARD_SCRIPT_HELPERS: string = String.raw`
  const SVG_NS = 'http://www.w3.org/2000/svg';
  const DASH = '\u2013';

  // ------------------------------------------------------------------ DOM helpers

  function el(tag, attrs, children) {
    return build(document.createElement(tag), attrs, children);
  }

  function svg(tag, attrs, children) {
    return build(document.createElementNS(SVG_NS, tag), attrs, children);
  }

  /** Sets attributes and appends children; strings become text nodes, never markup. */
  function build(node, attrs, children) {
    for (const [key, value] of Object.entries(attrs || {})) {
      if (value !== undefined && value !== null && value !== false) node.setAttribute(key, String(value));
    }
    for (const child of [].concat(children === undefined ? [] : children)) {
      if (child === null || child === undefined || child === false) continue;
      node.append(typeof child === 'object' ? child : String(child));
    }
    return node;
  }

  function panel(name) {
    return document.getElementById(name);
  }

  /** Marks a panel ok / error / not-installed and, when content is given, replaces its body. */
  function show(name, state, message, content) {
    const section = panel(name);
    section.dataset.state = state;
    const badge = section.querySelector('.state');
    badge.textContent = message || '';
    badge.className = 'state ' + state;
    if (content !== undefined) section.querySelector('.body').replaceChildren(...[].concat(content));
  }

  /** The drawing width of a panel's body, px. */
  function widthOf(name) {
    return Math.max(280, Math.floor(panel(name).querySelector('.body').clientWidth || 560));
  }

  function kpi(name, value, sub) {
    document.getElementById('kpi-' + name).textContent = value;
    document.getElementById('kpi-' + name + '-sub').textContent = sub || '\u00a0';
  }

  function empty(text, good) {
    return el('p', { class: good ? 'empty good' : 'empty' }, text);
  }

  /** columns: [{ label, num?, value: (row) => string | Node | Node[], cls?: (row) => string }] */
  function table(columns, rows, footer) {
    const line = (row) => el('tr', null, columns.map((c) => {
      const cls = [c.num ? 'num' : '', c.cls ? c.cls(row) : ''].join(' ').trim();
      return el('td', { class: cls || null }, c.value(row));
    }));
    return el('div', { class: 'table-wrap' }, el('table', null, [
      el('thead', null, el('tr', null, columns.map((c) => el('th', { class: c.num ? 'num' : null }, c.label)))),
      el('tbody', null, rows.map(line)),
      footer ? el('tfoot', null, line(footer)) : null,
    ]));
  }

  function sqlText(text, tag) {
    return el(tag || 'div', { class: tag === 'pre' ? 'sql full' : 'sql', title: text }, text);
  }

  // ------------------------------------------------------------------ formatting

  const finite = (v) => typeof v === 'number' && isFinite(v);

  function ms(v) {
    if (!finite(v)) return DASH;
    if (v < 1) return v.toFixed(2) + ' ms';
    if (v < 100) return v.toFixed(1) + ' ms';
    if (v < 10000) return Math.round(v) + ' ms';
    return (v / 1000).toFixed(1) + ' s';
  }

  const pct = (v) => (finite(v) ? Math.round(v * 1000) / 10 + '%' : DASH);
  const num = (v) => (finite(v) ? v.toLocaleString('en-US', { maximumFractionDigits: 2 }) : DASH);
  const perSec = (v) => (finite(v) ? (v < 10 ? v.toFixed(2) : v.toFixed(1)) + '/s' : DASH);
  const plural = (n, word) => num(n) + ' ' + word + (n === 1 ? '' : 's');

  function clock(when) {
    const d = new Date(when);
    return isNaN(d.getTime()) ? DASH : d.toLocaleTimeString('en-GB', { hour12: false });
  }

  /** A target's value in its own unit, from the name: ...Ms is a duration, ...Rate a share. */
  function targetValue(name, v) {
    if (!finite(v)) return 'no data';
    return /Ms$/.test(name) ? ms(v) : /Rate$/.test(name) ? pct(v) : num(v);
  }

  function truncate(text, chars) {
    text = String(text);
    return text.length > chars ? text.slice(0, Math.max(1, chars - 1)) + '\u2026' : text;
  }

  /** The round number (1, 2 or 5 times a power of ten) at or above v. */
  function niceMax(v) {
    if (!(v > 0)) return 1;
    const p = Math.pow(10, Math.floor(Math.log10(v)));
    const n = v / p;
    return (n <= 1 ? 1 : n <= 2 ? 2 : n <= 5 ? 5 : 10) * p;
  }

  const tone = (value, good, warn) => (value >= good ? 'good' : value >= warn ? 'warn' : 'bad');

  // ------------------------------------------------------------------ charts (inline SVG)

  function chartRoot(w, h, label, cls) {
    return svg('svg', { class: cls || null, viewBox: '0 0 ' + w + ' ' + h, width: w, height: h,
      role: 'img', 'aria-label': label }, svg('title', null, label));
  }

  /** A line over time. points: [{ at, value }]; opts: { width, height?, label, format, alt? }. */
  function lineChart(points, opts) {
    const w = opts.width, h = opts.height || 120;
    const left = 56, right = 14, top = 8, bottom = 20;
    const root = chartRoot(w, h, opts.label, opts.alt ? 'alt' : null);
    if (points.length < 2) {
      root.append(svg('text', { x: w / 2, y: h / 2, class: 'note', 'text-anchor': 'middle' },
        'Collecting data\u2026'));
      return root;
    }
    const max = niceMax(Math.max(...points.map((p) => p.value)));
    const t0 = points[0].at, last = points[points.length - 1];
    const span = Math.max(1, last.at - t0);
    const x = (t) => (left + ((t - t0) / span) * (w - left - right)).toFixed(1);
    const y = (v) => (top + (1 - v / max) * (h - top - bottom)).toFixed(1);
    for (const v of [0, max / 2, max]) {
      root.append(svg('line', { class: 'grid-line', x1: left, x2: w - right, y1: y(v), y2: y(v) }));
      root.append(svg('text', { class: 'axis', x: left - 6, y: +y(v) + 4, 'text-anchor': 'end' },
        opts.format(v)));
    }
    const d = points.map((p, i) => (i ? 'L' : 'M') + x(p.at) + ' ' + y(p.value)).join(' ');
    root.append(svg('path', { class: 'area', d: d + ' L' + x(last.at) + ' ' + y(0) + ' L' + left + ' ' + y(0) + ' Z' }));
    root.append(svg('path', { class: 'line', d: d }));
    root.append(svg('circle', { class: 'dot', cx: x(last.at), cy: y(last.value), r: 3 }));
    root.append(svg('text', { class: 'axis', x: left, y: h - 4 }, clock(t0)));
    root.append(svg('text', { class: 'axis', x: w - right, y: h - 4, 'text-anchor': 'end' }, clock(last.at)));
    return root;
  }

  /**
   * Horizontal bars on 0..max. rows: [{ label, value, whisker?, text, tone?, title? }];
   * opts: { width, label, max?, labelWidth?, valueWidth? }.
   */
  function barChart(rows, opts) {
    const w = opts.width, rowH = 26, barH = 14;
    const labelW = Math.min(opts.labelWidth || 240, Math.floor(w * 0.45));
    const barW = Math.max(40, w - labelW - (opts.valueWidth || 110) - 8);
    const max = opts.max || niceMax(Math.max(...rows.map((r) => Math.max(r.value, r.whisker || 0))));
    const scale = (v) => Math.max(0, Math.min(1, v / max)) * barW;
    const root = chartRoot(w, rows.length * rowH + 4, opts.label);
    rows.forEach((r, i) => {
      const mid = 2 + i * rowH + rowH / 2, top = mid - barH / 2;
      const row = svg('g', { 'data-label': r.label }, svg('title', null, r.title || r.label + ': ' + r.text));
      row.append(svg('text', { x: labelW - 8, y: mid + 4, 'text-anchor': 'end' },
        truncate(r.label, Math.floor((labelW - 8) / 6.6))));
      row.append(svg('rect', { class: 'track', x: labelW, y: top, width: barW, height: barH, rx: 3 }));
      row.append(svg('rect', { class: 'bar ' + (r.tone || ''), x: labelW, y: top,
        width: Math.max(2, scale(r.value)), height: barH, rx: 3 }));
      if (r.whisker > r.value) {
        const from = labelW + scale(r.value), to = labelW + scale(r.whisker);
        row.append(svg('line', { class: 'whisker', x1: from, x2: to, y1: mid, y2: mid }));
        row.append(svg('line', { class: 'whisker', x1: to, x2: to, y1: mid - 4, y2: mid + 4 }));
      }
      row.append(svg('text', { x: labelW + barW + 8, y: mid + 4 }, r.text));
      root.append(row);
    });
    return root;
  }

  /** One pool as a stacked bar: active, idle, then free capacity; waiting callers past the end. */
  function poolBar(p, w) {
    const h = 18;
    const cap = Math.max(p.max || 0, p.total || 0, (p.active || 0) + (p.idle || 0), 1);
    const waitW = p.waiting ? Math.min(w * 0.2, 12 + 6 * p.waiting) : 0;
    const barW = w - waitW;
    const x = (n) => ((n || 0) / cap) * barW;
    const root = chartRoot(w, h, p.name + ': ' + num(p.active) + ' active, ' + num(p.idle) + ' idle, ' +
      num(p.waiting || 0) + ' waiting, max ' + (p.max ? num(p.max) : 'unlimited'));
    root.append(svg('rect', { class: 'track', x: 0, y: 0, width: barW, height: h, rx: 4 }));
    root.append(svg('rect', { class: 'idle', x: x(p.active), y: 0, width: x(p.idle), height: h }));
    root.append(svg('rect', { class: 'active', x: 0, y: 0, width: x(p.active), height: h }));
    if (waitW) root.append(svg('rect', { class: 'bar warn', x: barW + 2, y: 0, width: waitW - 2, height: h, rx: 4 }));
    return root;
  }
`;
