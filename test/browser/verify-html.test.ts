/**
 * The HTML report in a real browser: Debian's Chromium (scripts/ensure-chromium.sh), driven by puppeteer-core. The
 * page renders offline, each cluster's matrix has N × N cells, a failing pair is red by its computed style, a click
 * lists the pair's checks. A screenshot is kept as reports/verify-html.png.
 */
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import puppeteer, { type Browser, type Page } from 'puppeteer-core';
import { renderHtml } from '../../src/verify/html';
import { STATUS_COLOURS } from '../../src/verify/svg';
import { LEAKING, fleetReport } from '../unit/verify/fleet-report';

const SCREENSHOT = path.join(__dirname, '..', '..', 'reports', 'verify-html.png');

/** `$CHROMIUM`, else `chromium` on PATH: the browser tests need one and say how to get it. */
function chromium(): string {
  try {
    return execFileSync('bash', ['-c', `command -v "${process.env.CHROMIUM ?? 'chromium'}"`], {
      encoding: 'utf8',
    }).trim();
  } catch {
    throw new Error(
      'no chromium on PATH: run `bash scripts/ensure-chromium.sh` (or set CHROMIUM to a Chromium binary)',
    );
  }
}

const rgb = (hex: string) => `rgb(${[1, 3, 5].map((i) => parseInt(hex.slice(i, i + 2), 16)).join(', ')})`;

describe('verify --html in headless Chromium', () => {
  const report = fleetReport();
  let browser: Browser;
  let page: Page;
  const requests: string[] = [];
  const consoleErrors: string[] = [];

  beforeAll(async () => {
    browser = await puppeteer.launch({
      executablePath: chromium(),
      headless: true,
      // Chromium refuses to start as root with its sandbox ("Running as root without --no-sandbox is not
      // supported"); CI containers run as root. The page is our own static file, so nothing untrusted runs unsandboxed.
      args: process.getuid?.() === 0 ? ['--no-sandbox'] : [],
    });
    page = await browser.newPage();
    await page.setViewport({ width: 1280, height: 900 });
    page.on('console', (m) => {
      if (m.type() === 'error') consoleErrors.push(m.text());
    });
    page.on('pageerror', (e) => consoleErrors.push(String(e)));
    await page.setRequestInterception(true);
    page.on('request', (req) => {
      // setContent loads the page itself as about:blank; anything else would be a fetch of the page's own.
      if (req.url() !== 'about:blank') requests.push(req.url());
      void (req.url().startsWith('data:') || req.url() === 'about:blank' ? req.continue() : req.abort());
    });
    await page.setContent(renderHtml(report), { waitUntil: 'load' });
  }, 60_000);

  afterAll(async () => {
    await browser?.close();
  });

  it('renders without fetching anything and without script errors', async () => {
    expect(await page.title()).toBe('Isolation verification FAILED: local (run abcd1234)');
    expect(requests).toEqual([]);
    expect(consoleErrors).toEqual([]);
  });

  it('draws an N × N matrix for each cluster', async () => {
    const shape = await page.$$eval('table.matrix', (tables) =>
      tables.map((t) => ({
        cluster: t.getAttribute('data-cluster'),
        rows: t.querySelectorAll('tbody tr').length,
        cells: t.querySelectorAll('td.cell').length,
        columns: t.querySelectorAll('thead th.col').length,
      })),
    );
    expect(shape).toEqual([
      { cluster: 'dedicated', rows: 1, cells: 1, columns: 1 },
      { cluster: 'shared', rows: 4, cells: 16, columns: 4 },
    ]);
  });

  it('shows the failing pair red, a pair of the lost credential amber, a passing pair green', async () => {
    const colour = (actor: string, target: string) =>
      page.$eval(
        `table.matrix[data-cluster="shared"] td.cell[data-actor="${actor}"][data-target="${target}"]`,
        (td) => td.ownerDocument.defaultView!.getComputedStyle(td).backgroundColor,
      );
    expect(await colour(LEAKING.actor, LEAKING.target)).toBe(rgb(STATUS_COLOURS.fail));
    expect(await colour('acme', 'shop')).toBe(rgb(STATUS_COLOURS.error));
    expect(await colour('shop', 'acme')).toBe(rgb(STATUS_COLOURS.pass));
    const skipped = await page.$eval(
      'table.matrix[data-cluster="dedicated"] td.cell',
      (td) => td.ownerDocument.defaultView!.getComputedStyle(td).backgroundColor,
    );
    expect(skipped).toBe(rgb(STATUS_COLOURS.skipped));
  });

  it("lists a pair's checks on click", async () => {
    await page.click(
      `table.matrix[data-cluster="shared"] td.cell[data-actor="${LEAKING.actor}"][data-target="${LEAKING.target}"]`,
    );
    const panel = await page.$eval('#pair-1', (p) => ({
      heading: p.querySelector('h3')?.textContent,
      text: p.textContent,
    }));
    expect(panel.heading).toBe('acme-eu → acme (8 checks)');
    expect(panel.text).toContain(LEAKING.check);
    expect(panel.text).toContain('success (1 record(s) fetched)');
  });

  it('keeps a screenshot as a test artefact', async () => {
    fs.mkdirSync(path.dirname(SCREENSHOT), { recursive: true });
    await page.screenshot({ path: SCREENSHOT as `${string}.png`, fullPage: true });
    const png = fs.readFileSync(SCREENSHOT);
    expect(png.subarray(1, 4).toString()).toBe('PNG');
    expect(png.length).toBeGreaterThan(10_000);
  });
});
