/**
 * `verify --html`: one self-contained page to look at a run — a tenants × tenants matrix per cluster (each cell the
 * worst result of the pair; hover for the list, click for the checks), the root causes of errors, quotas declared
 * vs observed, conformance differences, every failure, and the notes. Inline CSS and JS, no fonts, images or
 * scripts from anywhere: it opens from a CI artefact or a mail attachment, offline. Pure: report in, string out.
 */
import { couldNotRun, notable, rootCauses, subjectOf } from './causes';
import { type ClusterMatrix, type MatrixCell, clusterMatrices } from './matrix';
import { STATUS_COLOURS, STATUS_SYMBOLS } from './svg';
import type { CheckResult, CheckStatus, VerificationReport } from './types';

const esc = (s: string): string =>
  s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);

/** JSON inside `<script>`: nothing in it may close the element or break a JS string. */
const scriptJson = (v: unknown): string =>
  JSON.stringify(v)
    .replace(/</g, '\\u003c')
    .replace(/\u2028/g, '\\u2028')
    .replace(/\u2029/g, '\\u2029');

const seconds = (ms: number) => `${(ms / 1000).toFixed(1)} s`;

const CSS = `
:root { --pass: ${STATUS_COLOURS.pass}; --fail: ${STATUS_COLOURS.fail}; --error: ${STATUS_COLOURS.error};
  --skipped: ${STATUS_COLOURS.skipped}; --line: #d0d7de; --muted: #57606a; }
* { box-sizing: border-box; }
body { font: 14px/1.45 system-ui, -apple-system, "Segoe UI", "DejaVu Sans", sans-serif; color: #1f2328; margin: 0 auto;
  padding: 24px; max-width: 1400px; }
h1 { font-size: 22px; margin: 0 0 4px; } h2 { font-size: 18px; margin: 32px 0 8px; border-bottom: 1px solid var(--line); }
h3 { font-size: 15px; margin: 20px 0 6px; }
.muted { color: var(--muted); }
code { font: 12px/1.4 ui-monospace, "DejaVu Sans Mono", monospace; }
.verdict { padding: 1px 8px; border-radius: 4px; color: #fff; }
.verdict.ok { background: var(--pass); } .verdict.bad { background: var(--fail); }
.badge { display: inline-block; padding: 2px 8px; margin-right: 6px; border-radius: 10px; color: #fff; font-weight: 600; }
.s-pass { background: var(--pass); color: #fff; } .s-fail { background: var(--fail); color: #fff; }
.s-error { background: var(--error); color: #1f2328; } .s-skipped { background: var(--skipped); color: #fff; }
table { border-collapse: collapse; }
table.list td, table.list th { border: 1px solid var(--line); padding: 4px 8px; text-align: left; vertical-align: top; }
table.list th { background: #f6f8fa; }
table.matrix { margin: 6px 0; }
table.matrix th { font-weight: 600; padding: 2px 6px; white-space: nowrap; }
table.matrix thead th.col { writing-mode: vertical-rl; transform: rotate(180deg); text-align: left; height: 110px;
  vertical-align: bottom; }
table.matrix tbody th { text-align: right; }
table.matrix td.cell { width: 34px; min-width: 34px; height: 30px; border: 1px solid #fff; text-align: center;
  font-size: 12px; cursor: default; }
table.matrix td.cell.s-none { background: transparent; border: 1px dashed #eaeef2; }
table.matrix td.cell[data-key] { cursor: pointer; }
table.matrix td.cell.own { outline: 2px solid #1f232855; outline-offset: -3px; }
table.matrix td.cell.selected { outline: 3px solid #0969da; outline-offset: -3px; }
.legend span { display: inline-block; margin-right: 12px; }
.legend i { display: inline-block; width: 14px; height: 14px; vertical-align: -2px; margin-right: 4px; border-radius: 2px; }
.legend i.s-none { border: 1px dashed #afb8c1; }
.cluster { display: flex; gap: 24px; flex-wrap: wrap; align-items: flex-start; }
.pair { flex: 1 1 480px; min-width: 320px; border: 1px solid var(--line); border-radius: 6px; padding: 8px 12px; }
.pair:empty::before { content: "Click a cell to list the checks of that pair."; color: var(--muted); }
ul.details { margin: 4px 0 0; padding-left: 18px; } ul.details li { font: 12px/1.4 ui-monospace, "DejaVu Sans Mono", monospace; }
li.missing { color: var(--fail); } li.extra { color: #9a6700; }
.status { font-weight: 600; white-space: nowrap; }
`;

/** Click a cell: list its checks beside the matrix. Hover: the cell's title lists them already. */
const SCRIPT = `
(() => {
  const data = JSON.parse(document.getElementById('pair-data').textContent);
  const el = (tag, text, cls) => { const e = document.createElement(tag); if (text !== undefined) e.textContent = text; if (cls) e.className = cls; return e; };
  const show = (td) => {
    const panel = document.getElementById(td.dataset.panel);
    const checks = data[td.dataset.key] || [];
    document.querySelectorAll('td.cell.selected').forEach((c) => c.classList.remove('selected'));
    td.classList.add('selected');
    panel.replaceChildren();
    panel.append(el('h3', td.dataset.actor + ' \\u2192 ' + td.dataset.target + ' (' + checks.length + ' check' + (checks.length === 1 ? '' : 's') + ')'));
    const table = el('table', undefined, 'list');
    const head = el('tr'); ['status', 'check', 'expected', 'observed'].forEach((h) => head.append(el('th', h)));
    table.append(head);
    for (const c of checks) {
      const tr = el('tr');
      tr.append(el('td', c.status, 'status s-' + c.status), el('td'), el('td', c.expected), el('td', c.observed));
      tr.children[1].append(el('code', c.id));
      if (c.description) tr.children[1].append(el('div', c.description, 'muted'));
      table.append(tr);
    }
    panel.append(table);
  };
  document.querySelectorAll('td.cell[data-key]').forEach((td) => {
    td.addEventListener('click', () => show(td));
    td.addEventListener('keydown', (e) => { if (e.key === 'Enter' || e.key === ' ') { e.preventDefault(); show(td); } });
  });
})();
`;

const statusCell = (s: CheckStatus) => `<td class="status s-${s}">${s}</td>`;

function counts(rs: readonly CheckResult[]): string {
  const by = new Map<CheckStatus, number>();
  for (const r of rs) by.set(r.status, (by.get(r.status) ?? 0) + 1);
  return (['fail', 'error', 'skipped', 'pass'] as const)
    .filter((s) => by.has(s))
    .map((s) => `${by.get(s)} ${s}`)
    .join(', ');
}

/** Tooltip of a cell: the pair, its tally and its non-passing checks (then the passing ones, up to 25 lines). */
function cellTitle(cell: MatrixCell): string {
  const head = `${cell.actor} → ${cell.target}${cell.actor === cell.target ? ' (own checks)' : ''}: ${cell.results.length ? counts(cell.results) : 'no checks (not applicable)'}`;
  const order = [...cell.results].sort((a, b) => Number(a.status === 'pass') - Number(b.status === 'pass'));
  const lines = order.slice(0, 25).map((r) => `${STATUS_SYMBOLS[r.status]} ${r.status.toUpperCase()} ${r.id}`);
  if (order.length > 25) lines.push(`… and ${order.length - 25} more (click)`);
  return [head, ...lines].join('\n');
}

function matrixSection(m: ClusterMatrix, ci: number, data: Record<string, unknown>): string {
  const panel = `pair-${ci}`;
  const out: string[] = [];
  out.push(
    `<h3>cluster <code>${esc(m.cluster)}</code> <span class="muted">(${m.owners.length} owner${m.owners.length === 1 ? '' : 's'})</span></h3>`,
  );
  out.push('<div class="cluster">');
  out.push(
    `<table class="matrix" data-cluster="${esc(m.cluster)}"><thead><tr><th class="corner muted">acting ↓ target →</th>`,
  );
  for (const o of m.owners) out.push(`<th class="col" scope="col">${esc(o)}</th>`);
  out.push('</tr></thead><tbody>');
  m.cells.forEach((row, i) => {
    out.push(`<tr><th scope="row">${esc(m.owners[i]!)}</th>`);
    row.forEach((cell, j) => {
      const status = cell.status ?? 'none';
      const attrs = [
        `class="cell s-${status}${i === j ? ' own' : ''}"`,
        `data-actor="${esc(cell.actor)}"`,
        `data-target="${esc(cell.target)}"`,
        `data-status="${status}"`,
        `title="${esc(cellTitle(cell))}"`,
      ];
      if (cell.results.length) {
        const key = `${ci}:${i}:${j}`;
        data[key] = cell.results.map((r) => ({
          id: r.id,
          status: r.status,
          expected: r.expected,
          observed: r.observed,
          description: r.description,
        }));
        attrs.push(`data-key="${key}"`, `data-panel="${panel}"`, 'tabindex="0"');
      }
      const text = cell.status ? `${STATUS_SYMBOLS[cell.status]}<small>${cell.results.length}</small>` : '';
      out.push(`<td ${attrs.join(' ')}>${text}</td>`);
    });
    out.push('</tr>');
  });
  out.push('</tbody></table>');
  out.push(`<div class="pair" id="${panel}" aria-live="polite"></div>`);
  out.push('</div>');
  if (m.clusterWide.length) {
    out.push(`<p>Cluster-wide checks: ${esc(counts(m.clusterWide))}.</p>`);
    const bad = m.clusterWide.filter((r) => r.status !== 'pass');
    if (bad.length) out.push(resultTable(bad));
  }
  if (m.foreign.length) {
    out.push(
      `<p>Owners living on another cluster, checked here (logins): ${m.foreign
        .map((f) => `<span class="badge s-${f.status ?? 'pass'}">${esc(f.owner)}</span>`)
        .join(' ')}</p>`,
    );
    const bad = m.foreign.flatMap((f) => f.results.filter((r) => r.status !== 'pass'));
    if (bad.length) out.push(resultTable(bad));
  }
  return out.join('\n');
}

function resultTable(rs: readonly CheckResult[]): string {
  const rows = rs.map(
    (r) =>
      `<tr>${statusCell(r.status)}<td><code>${esc(r.id)}</code></td><td>${esc(r.expected)}</td><td>${esc(r.observed)}</td></tr>`,
  );
  return `<table class="list"><tr><th>status</th><th>check</th><th>expected</th><th>observed</th></tr>${rows.join('')}</table>`;
}

const LEGEND = `<p class="legend">${(['pass', 'fail', 'error', 'skipped'] as const)
  .map((s) => `<span><i class="s-${s}"></i>${s}</span>`)
  .join(
    '',
  )}<span><i class="s-none"></i>not applicable</span> <span class="muted">Each cell: the worst result of the checks in which the row's principals act against the column; the diagonal holds an owner's own checks.</span></p>`;

/** Quotas: per principal, what the model declares (the check's `expected`) and what the broker showed. */
function quotaSection(report: VerificationReport): string {
  const rs = report.results
    .filter((r) => r.category === 'quota' || /^conformance\.quotas?[.:]/.test(r.id))
    .sort((a, b) => (subjectOf(a.id) < subjectOf(b.id) ? -1 : subjectOf(a.id) > subjectOf(b.id) ? 1 : 0));
  if (rs.length === 0) {
    return `<p class="muted">${report.quotasChecked ? 'No quota checks in this run.' : 'Quotas were not checked (--skip-quotas).'}</p>`;
  }
  const rows = rs.map(
    (r) =>
      `<tr><td><code>${esc(subjectOf(r.id))}</code></td><td><code>${esc(r.id.split(':')[0]!)}</code></td>${statusCell(r.status)}<td>${esc(r.expected)}</td><td>${esc(r.observed)}</td></tr>`,
  );
  return `<table class="list" id="quota-table"><tr><th>principal</th><th>check</th><th>status</th><th>declared / expected</th><th>observed</th></tr>${rows.join('')}</table>`;
}

/** Conformance: every difference between what is live and what the model declares, evidence line by line. */
function conformanceSection(report: VerificationReport): string {
  const all = report.results.filter((r) => r.category === 'conformance');
  const bad = all.filter((r) => r.status !== 'pass');
  const head = `<p>${all.length} conformance check(s): ${esc(counts(all) || 'none')}.</p>`;
  if (bad.length === 0) return head + (all.length ? '<p>What is live is what the model declares.</p>' : '');
  const items = bad.map((r) => {
    const lines = r.details.map((d) => {
      const cls = /^missing\b/.test(d) ? ' class="missing"' : /^extra\b/.test(d) ? ' class="extra"' : '';
      return `<li${cls}>${esc(d)}</li>`;
    });
    return `<h3><span class="badge s-${r.status}">${r.status}</span><code>${esc(r.id)}</code></h3><p>${esc(r.description)}</p><p><b>expected</b> ${esc(r.expected)}<br><b>observed</b> ${esc(r.observed)}</p>${lines.length ? `<ul class="details">${lines.join('')}</ul>` : ''}`;
  });
  return head + items.join('\n');
}

export function renderHtml(report: VerificationReport): string {
  const s = report.summary;
  const verdict = report.ok ? 'passed' : 'FAILED';
  const data: Record<string, unknown> = {};
  const matrices = clusterMatrices(report);
  const causes = rootCauses(report.results);
  const bad = notable(report.results);
  const body: string[] = [];
  body.push(
    `<header><h1>Isolation verification: <span class="verdict ${report.ok ? 'ok' : 'bad'}">${verdict}</span></h1>`,
    `<p class="muted">Environment <code>${esc(report.environment)}</code>, run <code>${esc(report.runId)}</code> started ${esc(report.startedAt)}; ${s.checks} checks in ${seconds(report.wallTimeMs)} wall time (concurrency ${report.concurrency}); ${report.scope.length ? `scoped to ${esc(report.scope.join(', '))}` : 'whole fleet'}; quotas ${report.quotasChecked ? 'checked' : 'not checked'}.</p>`,
    `<p id="totals"><span class="badge s-pass">${s.passed} passed</span><span class="badge s-fail">${s.failed} failed</span><span class="badge s-error">${s.errors} error(s)</span><span class="badge s-skipped">${s.skipped} skipped</span></p></header>`,
  );
  if (causes.length) {
    body.push(
      '<section id="causes"><h2>Root causes of errors</h2><ul>',
      ...causes.map(
        (c) =>
          `<li><b>${esc(couldNotRun(c))}</b><details><summary class="muted">checks</summary><code>${c.checks.map(esc).join(', ')}</code></details></li>`,
      ),
      '</ul></section>',
    );
  }
  body.push('<section id="matrices"><h2>Tenants × tenants</h2>', LEGEND);
  matrices.forEach((m, i) => body.push(matrixSection(m, i, data)));
  if (matrices.length === 0) body.push('<p class="muted">No results.</p>');
  body.push('</section>');
  body.push('<section id="quotas"><h2>Quotas: declared vs observed</h2>', quotaSection(report), '</section>');
  body.push('<section id="conformance"><h2>Conformance</h2>', conformanceSection(report), '</section>');
  body.push('<section id="failures"><h2>Failures, errors and skipped checks</h2>');
  if (bad.length === 0) body.push('<p>None.</p>');
  else {
    const rows = bad.map((n) =>
      'cause' in n
        ? `<tr>${statusCell('error')}<td><code>${esc(n.cause.checks[0]!)}</code> and ${n.cause.checks.length - 1} more</td><td>(a decision)</td><td><b>${esc(couldNotRun(n.cause))}</b></td></tr>`
        : `<tr>${statusCell(n.result.status)}<td><code>${esc(n.result.id)}</code></td><td>${esc(n.result.expected)}</td><td>${esc(n.result.observed)}</td></tr>`,
    );
    body.push(
      `<table class="list"><tr><th>status</th><th>check</th><th>expected</th><th>observed</th></tr>${rows.join('')}</table>`,
    );
  }
  body.push('</section>');
  if (report.notes.length) {
    body.push(
      '<section id="notes"><h2>Notes</h2><ul>',
      ...report.notes.map((n) => `<li>${esc(n)}</li>`),
      '</ul></section>',
    );
  }
  return [
    '<!doctype html>',
    '<html lang="en"><head><meta charset="utf-8">',
    '<meta name="viewport" content="width=device-width, initial-scale=1">',
    // Self-contained by construction: the browser refuses anything the page would fetch.
    `<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'; script-src 'unsafe-inline'; img-src data:">`,
    `<title>Isolation verification ${verdict}: ${esc(report.environment)} (run ${esc(report.runId)})</title>`,
    `<style>${CSS}</style></head><body>`,
    ...body,
    `<script type="application/json" id="pair-data">${scriptJson(data)}</script>`,
    `<script>${SCRIPT}</script>`,
    '</body></html>',
    '',
  ].join('\n');
}
