// Loads an HTML report in headless Chromium over the DevTools protocol
// (--remote-debugging-pipe; node's standard library only) and checks what a
// reader would see:
//   - no console message of level error or warning, no uncaught exception,
//     no JavaScript dialog (an XSS payload that ran would open one);
//   - no network request other than the report file itself;
//   - every chart figure holds an <svg> with drawn, non-empty content;
//   - the recommendation, comparison, environment, configuration and raw
//     results are present, and the embedded JSON parses;
//   - the dark theme applies under prefers-color-scheme: dark, and print
//     media hides the navigation.
// Writes a full-page screenshot, and the first screen in the dark theme
// and in print media next to it (-dark.png, -print.png).
//
// Usage: node html_browser_check.js CHROMIUM REPORT.html SCREENSHOT.png
// Exit status: 0 all checks passed, 1 a check failed, 2 usage or browser
// trouble.
'use strict';

const {spawn} = require('child_process');
const fs = require('fs');
const os = require('os');
const path = require('path');

const [chromium, reportPath, screenshotPath] = process.argv.slice(2);
if (!chromium || !reportPath || !screenshotPath) {
  console.error('usage: node html_browser_check.js CHROMIUM REPORT.html OUT.png');
  process.exit(2);
}
const reportUrl = 'file://' + path.resolve(reportPath);
const profile = fs.mkdtempSync(path.join(os.tmpdir(), 'sb-chromium-'));

const browser = spawn(chromium, [
  '--headless', '--no-sandbox', '--disable-gpu',
  '--disable-background-networking', '--disable-component-update',
  '--disable-sync', '--no-first-run', '--hide-scrollbars',
  '--remote-debugging-pipe', '--user-data-dir=' + profile, 'about:blank',
], {stdio: ['ignore', 'ignore', 'pipe', 'pipe', 'pipe']});
let browserStderr = '';
browser.stderr.on('data', (d) => { browserStderr += d; });

const toBrowser = browser.stdio[3];
const fromBrowser = browser.stdio[4];
let nextId = 1;
const pending = new Map();
const listeners = [];
let buffer = Buffer.alloc(0);

fromBrowser.on('data', (chunk) => {
  buffer = Buffer.concat([buffer, chunk]);
  let end;
  while ((end = buffer.indexOf(0)) >= 0) {
    const message = JSON.parse(buffer.subarray(0, end).toString('utf8'));
    buffer = buffer.subarray(end + 1);
    if (message.id !== undefined && pending.has(message.id)) {
      const {resolve, reject} = pending.get(message.id);
      pending.delete(message.id);
      if (message.error) reject(new Error(JSON.stringify(message.error)));
      else resolve(message.result);
    } else if (message.method) {
      for (const l of listeners) l(message);
    }
  }
});

function send(method, params = {}, sessionId = undefined) {
  const id = nextId++;
  const message = {id, method, params};
  if (sessionId) message.sessionId = sessionId;
  toBrowser.write(JSON.stringify(message) + '\0');
  return new Promise((resolve, reject) => pending.set(id, {resolve, reject}));
}

function waitFor(method, timeoutMs) {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('timed out waiting for ' +
                                                    method)), timeoutMs);
    listeners.push((m) => {
      if (m.method === method) {
        clearTimeout(timer);
        resolve(m.params);
      }
    });
  });
}

const failures = [];
const requests = [];

// Runs in the page: what the checks need, as plain data.
const inspect = `(() => {
  const charts = [...document.querySelectorAll('figure.chart')].map((f) => {
    const svg = f.querySelector('svg');
    if (!svg) return {id: f.id, svg: false};
    const box = svg.getBoundingClientRect();
    const drawn = svg.querySelectorAll(
        'polyline, rect.bar, circle, path, line, text').length;
    let contentWidth = 0;
    try { contentWidth = svg.getBBox().width; } catch (e) {}
    return {id: f.id, svg: true, width: box.width, height: box.height,
            drawn, contentWidth,
            series: svg.querySelectorAll('polyline, rect.bar').length};
  });
  let raw = null;
  try {
    raw = JSON.parse(document.getElementById('statebench-results').textContent);
  } catch (e) { raw = 'unparseable: ' + e; }
  const sections = [...document.querySelectorAll('section[id]')].map((s) => s.id);
  // Recommendation and verification appear when the results carry them.
  const expected = ['comparison', 'charts', 'environment', 'configuration',
                    'raw'];
  if (raw && raw.recommendation && raw.recommendation.ranking) {
    expected.push('recommendation');
  }
  if (raw && raw.runs && raw.runs.some((r) => r.verification)) {
    expected.push('verification');
  }
  return {charts, sections, expected, title: document.title,
          rawSchema: raw && raw.schema, rawRuns: raw && raw.runs && raw.runs.length,
          scripts: document.scripts.length,
          height: Math.ceil(document.documentElement.scrollHeight),
          bodyBg: getComputedStyle(document.body).backgroundColor,
          navDisplay: getComputedStyle(document.querySelector('nav')).display};
})()`;

async function evaluate(sessionId) {
  const r = await send('Runtime.evaluate',
                       {expression: inspect, returnByValue: true}, sessionId);
  return r.result.value;
}

function luminance(rgb) {
  const m = /rgba?\((\d+), (\d+), (\d+)/.exec(rgb);
  return m ? (Number(m[1]) + Number(m[2]) + Number(m[3])) / 3 : -1;
}

async function main() {
  const {targetId} = await send('Target.createTarget', {url: 'about:blank'});
  const {sessionId} = await send('Target.attachToTarget',
                                 {targetId, flatten: true});
  listeners.push((m) => {
    if (m.sessionId !== sessionId) return;
    const p = m.params;
    if (m.method === 'Runtime.consoleAPICalled' &&
        (p.type === 'error' || p.type === 'warning' || p.type === 'assert')) {
      failures.push('console ' + p.type + ': ' +
                    p.args.map((a) => a.value || a.description).join(' '));
    } else if (m.method === 'Runtime.exceptionThrown') {
      failures.push('uncaught exception: ' + p.exceptionDetails.text);
    } else if (m.method === 'Log.entryAdded' &&
               (p.entry.level === 'error' || p.entry.level === 'warning')) {
      failures.push('console ' + p.entry.level + ' (' + p.entry.source +
                    '): ' + p.entry.text);
    } else if (m.method === 'Network.requestWillBeSent') {
      requests.push(p.request.url);
    } else if (m.method === 'Page.javascriptDialogOpening') {
      failures.push('a script opened a dialog: ' + p.message);
      send('Page.handleJavaScriptDialog', {accept: true}, sessionId);
    }
  });
  for (const domain of ['Runtime', 'Log', 'Network', 'Page']) {
    await send(domain + '.enable', {}, sessionId);
  }
  await send('Emulation.setDeviceMetricsOverride',
             {width: 1280, height: 900, deviceScaleFactor: 1, mobile: false},
             sessionId);
  const loaded = waitFor('Page.loadEventFired', 30000);
  await send('Page.navigate', {url: reportUrl}, sessionId);
  await loaded;
  // Let late console messages and requests arrive.
  await new Promise((r) => setTimeout(r, 500));

  const page = await evaluate(sessionId);
  for (const url of requests) {
    if (url !== reportUrl) failures.push('network request: ' + url);
  }
  if (page.charts.length < 6) {
    failures.push('expected at least 6 charts, found ' + page.charts.length);
  }
  for (const c of page.charts) {
    if (!c.svg) { failures.push(c.id + ': no <svg>'); continue; }
    if (!(c.width > 100 && c.height > 40)) {
      failures.push(c.id + ': svg box ' + c.width + 'x' + c.height);
    }
    if (!(c.drawn > 3 && c.contentWidth > 100)) {
      failures.push(c.id + ': svg is empty (' + c.drawn + ' elements)');
    }
  }
  for (const s of page.expected) {
    if (!page.sections.includes(s)) failures.push('missing section #' + s);
  }
  if (page.rawSchema !== 'statebench.results/1') {
    failures.push('embedded results: ' + page.rawSchema);
  }
  if (page.scripts !== 1) failures.push(page.scripts + ' script elements');
  if (luminance(page.bodyBg) < 200) failures.push('light background: ' + page.bodyBg);

  const shot = await send('Page.captureScreenshot', {
    format: 'png', captureBeyondViewport: true,
    clip: {x: 0, y: 0, width: 1280, height: page.height, scale: 1},
  }, sessionId);
  fs.writeFileSync(screenshotPath, Buffer.from(shot.data, 'base64'));

  // For looking at one chart at a time while developing.
  const chartDir = process.env.STATEBENCH_CHART_SCREENSHOTS;
  if (chartDir) {
    const boxes = await send('Runtime.evaluate', {returnByValue: true,
      expression: `[...document.querySelectorAll('figure.chart, section')].map(
          (f) => { const r = f.getBoundingClientRect();
                   return {id: f.id, x: r.x, y: r.y + scrollY, w: r.width,
                           h: r.height}; })`}, sessionId);
    for (const b of boxes.result.value) {
      const part = await send('Page.captureScreenshot', {
        format: 'png', captureBeyondViewport: true,
        clip: {x: b.x, y: b.y, width: b.w, height: b.h, scale: 1}}, sessionId);
      fs.writeFileSync(path.join(chartDir, b.id + '.png'),
                       Buffer.from(part.data, 'base64'));
    }
  }

  await send('Emulation.setEmulatedMedia', {
    features: [{name: 'prefers-color-scheme', value: 'dark'}],
  }, sessionId);
  const dark = await evaluate(sessionId);
  if (luminance(dark.bodyBg) > 60) failures.push('dark background: ' + dark.bodyBg);
  const darkShot = await send('Page.captureScreenshot', {format: 'png'}, sessionId);
  fs.writeFileSync(screenshotPath.replace(/\.png$/, '') + '-dark.png',
                   Buffer.from(darkShot.data, 'base64'));

  await send('Emulation.setEmulatedMedia', {media: 'print', features: []},
             sessionId);
  const print = await evaluate(sessionId);
  if (print.navDisplay !== 'none') failures.push('print shows the navigation');
  const printShot = await send('Page.captureScreenshot', {format: 'png'},
                               sessionId);
  fs.writeFileSync(screenshotPath.replace(/\.png$/, '') + '-print.png',
                   Buffer.from(printShot.data, 'base64'));
  if (luminance(print.bodyBg) < 200) failures.push('print background: ' + print.bodyBg);

  console.log('charts: ' + page.charts.map((c) => c.id.replace('chart-', '') +
                                         '(' + c.series + ')').join(' '));
  console.log('requests: ' + requests.length + ', page height ' + page.height +
              'px, screenshot ' + screenshotPath);
}

const watchdog = setTimeout(() => {
  console.error('browser check timed out');
  browser.kill('SIGKILL');
  process.exit(2);
}, 90000);

// Stops the browser and removes its profile once it has exited.
function closeBrowser() {
  return new Promise((resolve) => {
    if (browser.exitCode !== null) return resolve();
    browser.once('exit', resolve);
    send('Browser.close').catch(() => browser.kill('SIGKILL'));
    setTimeout(() => browser.kill('SIGKILL'), 5000);
  }).then(() => {
    try {
      fs.rmSync(profile, {recursive: true, force: true});
    } catch (e) { /* a leftover temp dir is not a test failure */ }
  });
}

main().then(async () => {
  clearTimeout(watchdog);
  await closeBrowser();
  if (failures.length) {
    for (const f of failures) console.error('FAIL: ' + f);
    process.exit(1);
  }
  console.log('browser checks passed');
  process.exit(0);
}, async (err) => {
  clearTimeout(watchdog);
  console.error('browser check error: ' + err.message);
  console.error(browserStderr.split('\n').filter((l) => !/dbus/.test(l))
                    .slice(-10).join('\n'));
  await closeBrowser();
  process.exit(2);
});
