// emovox page: live microphone emotion (AudioWorklet -> WebSocket /v1/stream) and file
// timelines (/v1/predict + /v1/timeline, NDJSON). Plain JavaScript, no dependencies.
"use strict";

const $ = (id) => document.getElementById(id);
// Colours readable with white text (contrast >= 4.5:1), one per label in model order.
const COLOURS = ["#b3261e", "#1b6e3a", "#6b4e16", "#6a3d9a", "#8a5a00", "#555555", "#1f4e9c", "#2f6f6f",
  "#3d5a1e", "#7a3b00", "#23407a", "#5c2a5c", "#006064", "#4e342e"];
const state = { labels: [], model: null, recorder: null };
// The service's recording-quality concerns, in words.
const CONCERN_WORDS = { clipped: "clipped", noisy: "noisy", narrowband: "narrow-band (a phone line?)", little_speech: "mostly not speech" };

function colour(label) {
  const i = state.labels.indexOf(label);
  return COLOURS[(i < 0 ? 0 : i) % COLOURS.length];
}
function pct(p) { return `${(100 * p).toFixed(1)} %`; }
function showError(message) { $("error").textContent = message || ""; }

async function loadModel() {
  try {
    const response = await fetch("/v1/model");
    const model = await response.json();
    state.model = model;
    state.labels = model.labels;
    const corpora = [...new Set(model.views.map((v) => v.training && v.training.corpus).filter(Boolean))];
    const corpus = corpora.length ? `, trained on ${corpora.join(" and ")}` : "";
    $("model").textContent = `Model ${model.id}: ${model.labels.length} emotions (${model.labels.join(", ")})${corpus}.`;
    $("model").dataset.ready = "true";
    renderBars(null);
  } catch (err) {
    showError(`Cannot reach the server: ${err}`);
  }
}

function renderBars(probabilities) {
  const body = $("live-probabilities").tBodies[0];
  body.replaceChildren();
  for (const label of state.labels) {
    const p = probabilities ? probabilities[label] : 0;
    const row = document.createElement("tr");
    const th = document.createElement("th");
    th.scope = "row";
    th.textContent = label;
    const barCell = document.createElement("td");
    const bar = document.createElement("div");
    bar.className = "bar";
    bar.setAttribute("role", "presentation");
    const fill = document.createElement("span");
    fill.style.width = `${(100 * p).toFixed(1)}%`;
    fill.style.background = colour(label);
    bar.append(fill);
    barCell.append(bar);
    const value = document.createElement("td");
    value.className = "pct";
    value.textContent = probabilities ? pct(p) : "–";
    row.append(th, barCell, value);
    body.append(row);
  }
}

// ---------- microphone ----------

class Recorder {
  constructor() { this.windows = 0; this.closed = false; }

  async start() {
    this.stream = await navigator.mediaDevices.getUserMedia({
      audio: { echoCancellation: false, noiseSuppression: false, autoGainControl: false, channelCount: 1 },
    });
    this.context = new AudioContext();
    await this.context.audioWorklet.addModule("/assets/worklet.js");
    const rate = this.context.sampleRate;
    const scheme = location.protocol === "https:" ? "wss" : "ws";
    this.socket = new WebSocket(`${scheme}://${location.host}/v1/stream?rate=${rate}&format=f32le`);
    this.socket.binaryType = "arraybuffer";
    this.socket.onmessage = (event) => this.onMessage(JSON.parse(event.data));
    this.socket.onclose = (event) => this.onClose(event);
    await new Promise((resolve, reject) => {
      this.socket.onopen = resolve;
      this.socket.onerror = () => reject(new Error("the WebSocket could not connect"));
    });
    const source = this.context.createMediaStreamSource(this.stream);
    this.node = new AudioWorkletNode(this.context, "emovox-capture", {
      processorOptions: { chunk: Math.round(rate / 50) },
    });
    this.node.port.onmessage = (event) => {
      if (this.socket.readyState === WebSocket.OPEN) this.socket.send(event.data);
    };
    // The worklet must be pulled by the graph to run; a silent gain keeps the speakers quiet.
    const mute = this.context.createGain();
    mute.gain.value = 0;
    source.connect(this.node).connect(mute).connect(this.context.destination);
    $("mic-status").textContent = `Listening at ${rate} Hz. Waiting for 2 s of speech…`;
  }

  onMessage(message) {
    if (message.type === "window") {
      this.windows += 1;
      showWindow(message);
      $("mic-status").textContent = `${this.windows} window${this.windows > 1 ? "s" : ""} classified.`;
    } else if (message.type === "error") {
      showError(`Stream error: ${message.error.message}`);
    } else if (message.type === "done") {
      $("mic-status").textContent = `Stopped: ${message.duration.toFixed(1)} s heard, ${message.windows} windows classified.`;
    }
  }

  onClose(event) {
    this.release();
    if (!this.closed && event.code !== 1000) showError(`The stream closed (${event.code} ${event.reason}).`);
    setRecording(false);
  }

  stop() {
    this.closed = true;
    if (this.node) this.node.port.onmessage = null;
    if (this.socket && this.socket.readyState === WebSocket.OPEN) this.socket.send("end");
    this.release();
  }

  release() {
    if (this.stream) this.stream.getTracks().forEach((t) => t.stop());
    if (this.context && this.context.state !== "closed") this.context.close();
  }
}

function showWindow(w) {
  $("live-label").textContent = w.label;
  const threshold = state.model && state.model.novelty_threshold;
  const unfamiliar = threshold != null && w.novelty != null && w.novelty > threshold;
  $("live-confidence").textContent = `${pct(w.confidence)} confident${unfamiliar ? " · unlike the audio the model learned from" : ""}`;
  renderBars(w.probabilities);
  const item = document.createElement("li");
  item.style.background = colour(w.label);
  item.dataset.label = w.label;
  item.dataset.confidence = String(w.confidence);
  item.dataset.probabilities = JSON.stringify(w.probabilities);
  item.title = `${w.start.toFixed(1)}–${w.end.toFixed(1)} s: ${w.label} (${pct(w.confidence)})`;
  const time = document.createElement("span");
  time.textContent = `${w.end.toFixed(1)} s`;
  const name = document.createElement("strong");
  name.textContent = w.label;
  item.append(time, name);
  const strip = $("live-timeline");
  strip.append(item);
  while (strip.children.length > 240) strip.firstElementChild.remove();
  strip.scrollLeft = strip.scrollWidth;
}

function setRecording(on) {
  const button = $("record");
  button.setAttribute("aria-pressed", String(on));
  button.textContent = on ? "Stop recording" : "Start recording";
  $("recording").hidden = !on;
}

async function toggleRecording() {
  showError("");
  if (state.recorder) {
    const recorder = state.recorder;
    state.recorder = null;
    recorder.stop();
    setRecording(false);
    return;
  }
  const recorder = new Recorder();
  state.recorder = recorder;
  setRecording(true);
  try {
    await recorder.start();
  } catch (err) {
    state.recorder = null;
    recorder.release();
    setRecording(false);
    showError(`Cannot record: ${err.message || err}`);
  }
}

// ---------- files ----------

async function analyseFile(file) {
  showError("");
  $("file-status").textContent = `Analysing ${file.name}…`;
  $("file-summary").hidden = true;
  const bytes = await file.arrayBuffer();
  const envelope = await waveformOf(bytes.slice(0));
  drawFile(envelope, null, []);
  const predict = fetch("/v1/predict", { method: "POST", body: bytes });
  const response = await fetch("/v1/timeline", { method: "POST", body: bytes });
  if (!response.ok) {
    const answer = await response.json();
    $("file-status").textContent = "";
    showError(`${file.name}: ${answer.error.message}`);
    return;
  }
  const windows = [];
  const segments = [];
  let done = null;
  await readLines(response.body, (line) => {
    if (line.type === "window") {
      windows.push(line);
      $("file-status").textContent = `${file.name}: ${windows.length} windows, up to ${line.end.toFixed(1)} s…`;
    } else if (line.type === "segment") {
      segments.push(line);
    } else if (line.type === "done") {
      done = line;
    } else if (line.type === "error") {
      showError(`${file.name}: ${line.error.message}`);
    }
  });
  const whole = await (await predict).json();
  const novelty = $("file-novelty");
  novelty.textContent = "";
  const quality = $("file-quality");
  quality.textContent = "";
  if (whole.error) {
    $("file-label").textContent = "–";
    $("file-confidence").textContent = whole.error.message;
  } else {
    $("file-label").textContent = whole.label;
    $("file-label").dataset.label = whole.label;
    $("file-confidence").textContent = `${pct(whole.confidence)} confident`;
    $("file-confidence").dataset.confidence = String(whole.confidence);
    // Novelty: how unlike the model's training audio the file is (about 1 is typical).
    novelty.dataset.unfamiliar = String(Boolean(whole.unfamiliar));
    if (whole.unfamiliar) {
      novelty.textContent = `· unlike the audio the model learned from (novelty ${whole.novelty.toFixed(1)}): trust the label less`;
    } else if (whole.novelty != null) {
      novelty.textContent = `· novelty ${whole.novelty.toFixed(1)}`;
    }
    // What about the recording makes the answer less reliable (the service measures it).
    const concerns = whole.quality.concerns;
    quality.dataset.concerns = concerns.join(",");
    if (concerns.length > 0) {
      quality.textContent = `· the recording is ${concerns.map((c) => CONCERN_WORDS[c] ?? c).join(", ")}: trust the label less`;
    }
  }
  $("file-summary").hidden = false;
  if (done) {
    drawFile(envelope, done.duration, segments);
    listSegments(segments);
    $("file-status").textContent = `${file.name}: ${done.duration.toFixed(1)} s, ${done.windows} windows, ${done.segments} segments.`;
    $("file-status").dataset.done = "true";
  }
}

async function readLines(body, onLine) {
  const reader = body.getReader();
  const decoder = new TextDecoder();
  let pending = "";
  for (;;) {
    const { value, done } = await reader.read();
    pending += decoder.decode(value || new Uint8Array(), { stream: !done });
    let newline;
    while ((newline = pending.indexOf("\n")) >= 0) {
      const line = pending.slice(0, newline).trim();
      pending = pending.slice(newline + 1);
      if (line) onLine(JSON.parse(line));
    }
    if (done) break;
  }
}

// Peak per pixel column, or null when this browser cannot decode the format.
async function waveformOf(bytes) {
  try {
    const context = new OfflineAudioContext(1, 1, 44100);
    const audio = await context.decodeAudioData(bytes);
    const data = audio.getChannelData(0);
    const columns = $("waveform").width;
    const per = Math.max(1, Math.ceil(data.length / columns));
    const peaks = new Float32Array(columns);
    for (let i = 0; i < data.length; i++) {
      const c = Math.min(columns - 1, Math.floor(i / per));
      peaks[c] = Math.max(peaks[c], Math.abs(data[i]));
    }
    return { peaks, duration: audio.duration };
  } catch (err) {
    return null;
  }
}

function drawFile(envelope, duration, segments) {
  const canvas = $("waveform");
  const g = canvas.getContext("2d");
  const w = canvas.width, h = canvas.height, band = 36, mid = (h - band) / 2;
  g.fillStyle = "#ffffff";
  g.fillRect(0, 0, w, h);
  g.fillStyle = "#1a1a1a";
  g.font = "13px system-ui, sans-serif";
  if (envelope) {
    g.fillStyle = "#23407a";
    envelope.peaks.forEach((p, x) => {
      const y = p * (mid - 4);
      g.fillRect(x, mid - y, 1, Math.max(1, 2 * y));
    });
  } else {
    g.fillText("Waveform unavailable: this browser cannot decode the format (the server can).", 8, mid);
  }
  const total = duration || (envelope && envelope.duration);
  if (!total) return;
  for (const s of segments) {
    const x0 = (s.start / total) * w, x1 = (s.end / total) * w;
    g.fillStyle = colour(s.label);
    g.fillRect(x0, h - band, Math.max(1, x1 - x0), band);
    g.fillStyle = "#ffffff";
    if (x1 - x0 > 50) g.fillText(s.label, x0 + 4, h - band / 2 + 4);
  }
}

function listSegments(segments) {
  const table = $("file-segments");
  const body = table.tBodies[0];
  body.replaceChildren();
  for (const s of segments) {
    const row = document.createElement("tr");
    row.dataset.label = s.label;
    row.dataset.start = String(s.start);
    row.dataset.end = String(s.end);
    row.dataset.confidence = String(s.confidence);
    for (const text of [s.start.toFixed(2), s.end.toFixed(2), s.label, pct(s.confidence)]) {
      const cell = document.createElement("td");
      cell.textContent = text;
      row.append(cell);
    }
    body.append(row);
  }
  table.hidden = segments.length === 0;
  if (segments.length === 0) $("file-status").textContent += " No speech found.";
}

function setupDrop() {
  const drop = $("drop");
  const input = $("file");
  input.addEventListener("change", () => input.files[0] && analyseFile(input.files[0]));
  drop.addEventListener("keydown", (e) => {
    if (e.key === "Enter" || e.key === " ") { e.preventDefault(); input.click(); }
  });
  drop.addEventListener("dragover", (e) => { e.preventDefault(); drop.classList.add("over"); });
  drop.addEventListener("dragleave", () => drop.classList.remove("over"));
  drop.addEventListener("drop", (e) => {
    e.preventDefault();
    drop.classList.remove("over");
    if (e.dataTransfer.files[0]) analyseFile(e.dataTransfer.files[0]);
  });
}

document.addEventListener("DOMContentLoaded", () => {
  $("record").addEventListener("click", toggleRecording);
  setupDrop();
  loadModel();
});
