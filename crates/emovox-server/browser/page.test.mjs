// Browser test of the emovox page in headless Chromium (Debian's `chromium`, driven by
// playwright-core): a fake microphone plays a committed fixture WAV, the test clicks
// "Start recording", waits for predictions and checks them against the service's answer for
// the same audio; then it gives the page the same file and checks the file timeline equals
// the service's exactly. Saves screenshots/page.png.
//
//   cargo build --release -p emovox-server && (cd crates/emovox-server/browser && npm ci && npm test)
//
// Environment: EMOVOX_SERVER_BIN (default: target/release/emovox-server of the workspace),
// CHROMIUM (default: /usr/bin/chromium), EMOVOX_FIXTURE (default: tests/fixtures/speech/kids_talking.wav).

import { spawn } from "node:child_process";
import { readFileSync, mkdirSync } from "node:fs";
import { createInterface } from "node:readline";
import { dirname, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import assert from "node:assert/strict";
import { chromium } from "playwright-core";

const here = dirname(fileURLToPath(import.meta.url));
const root = resolve(here, "../../..");
const serverBin = process.env.EMOVOX_SERVER_BIN || resolve(root, "target/release/emovox-server");
const chromiumBin = process.env.CHROMIUM || "/usr/bin/chromium";
const fixture = resolve(process.env.EMOVOX_FIXTURE || resolve(root, "tests/fixtures/speech/kids_talking.wav"));

function startServer() {
  const child = spawn(serverBin, ["--port", "0"], { stdio: ["ignore", "pipe", "inherit"], env: { ...process.env, NO_COLOR: "1" } });
  return new Promise((resolveStart, reject) => {
    const lines = createInterface({ input: child.stdout });
    lines.on("line", (line) => {
      const match = line.match(/http:\/\/(\S+)/);
      if (match) resolveStart({ child, base: `http://${match[1]}` });
    });
    child.on("exit", (code) => reject(new Error(`the server exited (${code}) before listening`)));
  });
}

async function serviceAnswers(base, bytes) {
  const predict = await (await fetch(`${base}/v1/predict`, { method: "POST", body: bytes })).json();
  const text = await (await fetch(`${base}/v1/timeline`, { method: "POST", body: bytes })).text();
  const lines = text.trim().split("\n").map((l) => JSON.parse(l));
  return { predict, segments: lines.filter((l) => l.type === "segment") };
}

mkdirSync(resolve(here, "screenshots"), { recursive: true });
const { child, base } = await startServer();
let browser;
let failed = false;
try {
  const bytes = readFileSync(fixture);
  const service = await serviceAnswers(base, bytes);
  console.log(`service: ${fixture} is ${service.predict.label} (${service.predict.confidence.toFixed(3)})`);

  browser = await chromium.launch({
    executablePath: chromiumBin,
    args: [
      "--use-fake-ui-for-media-stream",
      "--use-fake-device-for-media-stream",
      `--use-file-for-fake-audio-capture=${fixture}`,
      "--autoplay-policy=no-user-gesture-required",
      "--no-sandbox",
    ],
  });
  const context = await browser.newContext({ viewport: { width: 1100, height: 1300 } });
  await context.grantPermissions(["microphone"], { origin: base });
  const page = await context.newPage();
  page.on("console", (m) => console.log(`page: ${m.text()}`));
  page.on("pageerror", (e) => console.log(`page error: ${e.message}`));
  await page.goto(base);
  await page.waitForSelector("#model[data-ready=true]");

  // --- the microphone ---
  await page.getByRole("button", { name: "Start recording" }).click();
  await page.waitForSelector("#recording:not([hidden])");
  await page.waitForFunction(() => document.querySelectorAll("#live-timeline li").length >= 6, null, { timeout: 60_000 });
  const live = await page.$$eval("#live-timeline li", (items) => items.map((li) => ({
    label: li.dataset.label,
    confidence: Number(li.dataset.confidence),
    probabilities: JSON.parse(li.dataset.probabilities),
  })));
  const shown = await page.textContent("#live-label");
  assert.equal(shown, live[live.length - 1].label, "the big label is the latest window's");
  await page.screenshot({ path: resolve(here, "screenshots/page-live.png"), fullPage: true });
  await page.getByRole("button", { name: "Stop recording" }).click();
  await page.waitForSelector("#recording", { state: "hidden" });

  // The fake microphone loops the fixture, so each 2 s window holds (a rotation of) the
  // same speech the service classified whole: the labels agree and the probability of the
  // service's label agrees within the difference the window cut and the browser's
  // resampling make.
  const target = service.predict.label;
  const agreeing = live.filter((w) => w.label === target).length;
  const meanP = live.reduce((s, w) => s + w.probabilities[target], 0) / live.length;
  console.log(`page (microphone): ${live.length} windows, ${agreeing} say ${target}; mean p(${target}) ${meanP.toFixed(3)} vs service ${service.predict.confidence.toFixed(3)}`);
  console.log(`page windows: ${live.map((w) => `${w.label}:${w.confidence.toFixed(3)}`).join(" ")}`);
  assert.ok(agreeing / live.length >= 0.8, `${agreeing} of ${live.length} windows say ${target}`);
  assert.ok(Math.abs(meanP - service.predict.confidence) < 0.1, `mean p ${meanP} vs ${service.predict.confidence}`);

  // --- the same file, dropped on the page ---
  await page.setInputFiles("#file", fixture);
  await page.waitForSelector("#file-status[data-done=true]", { timeout: 60_000 });
  const fileLabel = await page.getAttribute("#file-label", "data-label");
  const fileConfidence = Number(await page.getAttribute("#file-confidence", "data-confidence"));
  assert.equal(fileLabel, service.predict.label);
  assert.equal(fileConfidence, service.predict.confidence, "the page shows the service's confidence exactly");
  const fileUnfamiliar = await page.getAttribute("#file-novelty", "data-unfamiliar");
  assert.equal(fileUnfamiliar, String(service.predict.unfamiliar), "the page shows whether the file is unfamiliar");
  const fileConcerns = await page.getAttribute("#file-quality", "data-concerns");
  assert.equal(fileConcerns, service.predict.quality.concerns.join(","), "the page shows the service's recording-quality concerns");
  const rows = await page.$$eval("#file-segments tbody tr", (trs) => trs.map((tr) => ({
    label: tr.dataset.label, start: Number(tr.dataset.start), end: Number(tr.dataset.end), confidence: Number(tr.dataset.confidence),
  })));
  assert.deepEqual(rows, service.segments.map(({ label, start, end, confidence }) => ({ label, start, end, confidence })));
  console.log(`page (file): ${fileLabel} ${fileConfidence.toFixed(3)}, ${rows.length} segments, equal to the service's`);
  await page.screenshot({ path: resolve(here, "screenshots/page.png"), fullPage: true });
  console.log("browser test passed; screenshots in crates/emovox-server/browser/screenshots/");
} catch (err) {
  failed = true;
  console.error(err);
} finally {
  if (browser) await browser.close();
  child.kill("SIGTERM");
}
process.exit(failed ? 1 : 0);
