/**
 * The tenants × tenants matrices of a report as one SVG image, for places that show pictures but run no scripts:
 * the Markdown report of a pull request (`--markdown reports/verify.md` writes `reports/verify-matrix.svg` next to
 * it). Same cells and colours as the HTML page (matrix.ts). Pure: report in, string out.
 */
import { type ClusterMatrix, clusterMatrices } from './matrix';
import type { CheckStatus, VerificationReport } from './types';

/** One colour per status, shared by the HTML page and the SVG: pass green, fail red, error amber, skipped grey. */
export const STATUS_COLOURS: Readonly<Record<CheckStatus, string>> = {
  pass: '#2da44e',
  fail: '#cf222e',
  error: '#d4a72c',
  skipped: '#8c959f',
};

/** A symbol per status, so a cell reads without its colour too. */
export const STATUS_SYMBOLS: Readonly<Record<CheckStatus, string>> = {
  pass: '✓',
  fail: '✗',
  error: '!',
  skipped: '–',
};

const esc = (s: string): string =>
  s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);

const CELL = 22;
const GAP = 2;
/** Width of one character of the 12 px label font, estimated (SVG has no text measuring outside a browser). */
const CHAR = 7.2;
const FONT = `font-family="DejaVu Sans, Verdana, sans-serif"`;

interface Block {
  readonly svg: string;
  readonly width: number;
  readonly height: number;
}

function block(m: ClusterMatrix, y0: number): Block {
  const longest = Math.max(4, ...m.owners.map((o) => o.length));
  const rowLabel = Math.ceil(longest * CHAR) + 10;
  // Column labels at -60°: they rise by sin 60° and lean right by cos 60° of their length.
  const colLabel = Math.ceil(longest * CHAR * 0.87) + 8;
  const lean = Math.ceil(longest * CHAR * 0.5);
  const n = m.owners.length;
  const gridX = rowLabel;
  const gridY = y0 + 22 + colLabel;
  const out: string[] = [];
  out.push(`<text x="0" y="${y0 + 14}" ${FONT} font-size="13" font-weight="bold">cluster ${esc(m.cluster)}</text>`);
  m.owners.forEach((o, j) => {
    const x = gridX + j * (CELL + GAP) + CELL / 2 + 4;
    const y = gridY - 4;
    out.push(`<text x="${x}" y="${y}" ${FONT} font-size="12" transform="rotate(-60 ${x} ${y})">${esc(o)}</text>`);
  });
  m.cells.forEach((row, i) => {
    const y = gridY + i * (CELL + GAP);
    out.push(
      `<text x="${rowLabel - 6}" y="${y + CELL / 2 + 4}" ${FONT} font-size="12" text-anchor="end">${esc(m.owners[i]!)}</text>`,
    );
    row.forEach((cell, j) => {
      const x = gridX + j * (CELL + GAP);
      const title = `<title>${esc(`${cell.actor} → ${cell.target}: ${cell.status ?? 'not applicable'} (${cell.results.length} checks)`)}</title>`;
      if (!cell.status) {
        out.push(
          `<rect x="${x}" y="${y}" width="${CELL}" height="${CELL}" fill="none" stroke="#d0d7de" stroke-dasharray="2 2">${title}</rect>`,
        );
        return;
      }
      const own = i === j ? ` stroke="#1f2328" stroke-width="1.5"` : '';
      out.push(
        `<rect x="${x}" y="${y}" width="${CELL}" height="${CELL}" rx="2" fill="${STATUS_COLOURS[cell.status]}"${own}>${title}</rect>`,
      );
      if (cell.status !== 'pass') {
        out.push(
          `<text x="${x + CELL / 2}" y="${y + CELL / 2 + 5}" ${FONT} font-size="13" text-anchor="middle" fill="#fff">${STATUS_SYMBOLS[cell.status]}</text>`,
        );
      }
    });
  });
  const width = gridX + n * (CELL + GAP) + lean;
  return { svg: out.join('\n'), width, height: gridY - y0 + n * (CELL + GAP) + 10 };
}

export function renderMatrixSvg(report: VerificationReport): string {
  const s = report.summary;
  const parts: string[] = [];
  const title = `Isolation verification ${report.ok ? 'passed' : 'FAILED'}: ${s.passed} passed, ${s.failed} failed, ${s.errors} error(s), ${s.skipped} skipped (environment ${report.environment}, run ${report.runId})`;
  parts.push(
    `<text x="0" y="16" ${FONT} font-size="14" font-weight="bold" fill="${report.ok ? STATUS_COLOURS.pass : STATUS_COLOURS.fail}">${esc(title)}</text>`,
  );
  let y = 28;
  let width = Math.ceil(title.length * CHAR * 1.05);
  for (const m of clusterMatrices(report)) {
    const b = block(m, y);
    parts.push(b.svg);
    y += b.height;
    width = Math.max(width, b.width);
  }
  const legend: string[] = [];
  let x = 0;
  for (const [label, fill] of [
    ...(['pass', 'fail', 'error', 'skipped'] as const).map((k) => [k, STATUS_COLOURS[k]] as const),
    ['not applicable', 'none'] as const,
  ]) {
    const stroke = fill === 'none' ? ` stroke="#d0d7de" stroke-dasharray="2 2"` : '';
    legend.push(`<rect x="${x}" y="${y + 4}" width="12" height="12" rx="2" fill="${fill}"${stroke}/>`);
    legend.push(`<text x="${x + 16}" y="${y + 14}" ${FONT} font-size="12">${label}</text>`);
    x += 16 + Math.ceil(label.length * CHAR) + 14;
  }
  legend.push(
    `<text x="0" y="${y + 34}" ${FONT} font-size="11" fill="#57606a">row: acting owner; column: target; diagonal: the owner's own checks; each cell the worst result of its checks</text>`,
  );
  parts.push(...legend);
  const height = y + 44;
  width = Math.max(width, x, 560);
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" role="img">`,
    `<title>${esc(title)}</title>`,
    `<rect width="100%" height="100%" fill="#fff"/>`,
    ...parts,
    '</svg>',
    '',
  ].join('\n');
}
