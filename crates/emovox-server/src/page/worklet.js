// AudioWorklet processor: averages the microphone's channels and posts chunks of
// `processorOptions.chunk` mono float samples (20 ms) to the page, which sends them to the
// server as binary f32le WebSocket frames.
class EmovoxCapture extends AudioWorkletProcessor {
  constructor(options) {
    super();
    this.chunk = options.processorOptions.chunk;
    this.buffer = new Float32Array(this.chunk);
    this.fill = 0;
  }

  process(inputs) {
    const channels = inputs[0];
    if (!channels || channels.length === 0) return true;
    const frames = channels[0].length;
    for (let i = 0; i < frames; i++) {
      let sum = 0;
      for (let c = 0; c < channels.length; c++) sum += channels[c][i];
      this.buffer[this.fill++] = sum / channels.length;
      if (this.fill === this.chunk) {
        this.port.postMessage(this.buffer.buffer, [this.buffer.buffer]);
        this.buffer = new Float32Array(this.chunk);
        this.fill = 0;
      }
    }
    return true;
  }
}
registerProcessor("emovox-capture", EmovoxCapture);
