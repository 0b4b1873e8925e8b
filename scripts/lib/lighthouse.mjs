// Lighthouse (mobile preset) on the sign-in page and on the signed-in customer list.
// Run by scripts/lighthouse, which copies this file next to .tools/node_modules so the imports
// resolve. Usage: node lighthouse.mjs BASE_URL USERNAME PASSWORD OUT_DIR
import fs from 'node:fs';
import path from 'node:path';
import * as chromeLauncher from 'chrome-launcher';
import lighthouse from 'lighthouse';
import puppeteer from 'puppeteer-core';

const [base, username, password, outDir] = process.argv.slice(2);
const chrome = await chromeLauncher.launch({
  chromePath: process.env.CHROME_PATH || '/usr/bin/chromium',
  chromeFlags: ['--headless=new', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
    '--disable-background-networking', '--disable-component-update', '--disable-sync'],
});
const results = [];
try {
  const browser = await puppeteer.connect({ browserURL: `http://127.0.0.1:${chrome.port}` });
  const audit = async (name, url, keepStorage) => {
    const r = await lighthouse(url, {
      port: chrome.port,
      output: ['json', 'html'],
      logLevel: 'error',
      // The customer list needs the session the sign-in left (the HttpOnly refresh cookie).
      disableStorageReset: keepStorage,
    });
    const lhr = r.lhr;
    fs.writeFileSync(path.join(outDir, `${name}.html`), r.report[1]);
    const a = lhr.audits;
    const row = {
      page: name,
      url,
      performance: Math.round(lhr.categories.performance.score * 100),
      accessibility: Math.round(lhr.categories.accessibility.score * 100),
      best_practices: Math.round(lhr.categories['best-practices'].score * 100),
      lcp_ms: Math.round(a['largest-contentful-paint'].numericValue),
      tbt_ms: Math.round(a['total-blocking-time'].numericValue),
      cls: Number(a['cumulative-layout-shift'].numericValue.toFixed(3)),
      failed_audits: Object.values(a)
        .filter((x) => x.score !== null && x.score < 0.9 && x.scoreDisplayMode === 'binary')
        .map((x) => x.id),
    };
    if (lhr.runtimeError) row.error = lhr.runtimeError.message;
    results.push(row);
  };

  await audit('sign-in', `${base}/login`, false);

  // Sign in through the real form, then audit the list the app lands on.
  const page = await browser.newPage();
  await page.goto(`${base}/login`, { waitUntil: 'networkidle0' });
  await page.type('#username', username);
  await page.type('#password', password);
  await Promise.all([
    page.waitForFunction(() => !location.pathname.startsWith('/login'), { timeout: 30000 }),
    page.keyboard.press('Enter'),
  ]);
  await page.close();
  await audit('customer-list', `${base}/customers`, true);
  await browser.disconnect();
} finally {
  await chrome.kill();
}
fs.writeFileSync(path.join(outDir, 'summary.json'), JSON.stringify(results, null, 2));
console.log(JSON.stringify(results));
