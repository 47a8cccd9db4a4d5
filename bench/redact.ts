/**
 * redact() cost per line on realistic installer output (progress lines, errors with URLs and stack
 * frames, environment dumps, lines holding tokens), with the environment layer (process.env) and
 * without it (`env: null`).
 *
 *   node --import tsx bench/redact.ts [rounds]
 */
import { redact } from '../src/diagnostics/index.js';

const rounds = Number(process.argv[2] ?? 7);

const LINES = [
  'GET https://huggingface.co/Wan-AI/Wan2.2-TI2V-5B/resolve/9a1b/model-00001-of-00003.safetensors 206 12.3 MB/s',
  'download:progress Wan2.2_VAE.pth 1.21 GiB of 2.65 GiB (45.7 %) at 48.2 MB/s, ETA 31 s',
  'Error: socket hang up https://user:pw@mirror.example.com/m?token=abc&sig=def (ECONNRESET)',
  '    at TLSSocket.socketOnEnd (node:_http_client:524:23)',
  '    at download (/opt/wan/node_modules/@wan/reliability/dist/chunk-ABCD1234.js:812:17)',
  'PATH=/usr/local/bin:/usr/bin:/bin HF_HOME=/data/hf CUDA_VISIBLE_DEVICES=0,1 NODE_OPTIONS=--max-old-space-size=8192',
  'Authorization: Bearer hf_abcdefghijklmnopqrstuvwxyz0123456789 rejected with 401',
  'pip install --index-url https://pypi.org/simple torch==2.4.0 (disk task ok)',
  'stripe_key = "sk_live_51OuEMLAlTWGaDypq4P5cuDHbuKeG4tAGPYHJpEXQ7zE8mKK3jkhTFP" in config.toml',
  'python generate.py --task ti2v-5B --size 1280*704 --ckpt_dir ./Wan2.2-TI2V-5B --hf-token abcdEFGH1234ijkl',
  'nvidia-smi: NVIDIA H100 80GB HBM3, 81559 MiB, driver 550.54.15',
  '{"component":"downloader","operation":"download","success":false,"durationMs":1234.5,"category":"network"}',
];

function measure(label: string, fn: (line: string) => string): void {
  const perLine: number[] = [];
  for (let round = 0; round < rounds; round += 1) {
    const calls = 2000;
    const start = performance.now();
    for (let i = 0; i < calls; i += 1) fn(`${LINES[i % LINES.length]} #${i}`);
    perLine.push(((performance.now() - start) * 1000) / calls);
  }
  perLine.sort((a, b) => a - b);
  const median = perLine[Math.floor(perLine.length / 2)]!;
  console.log(
    `${label.padEnd(34)} median ${median.toFixed(1).padStart(6)} µs/line  (min ${perLine[0]!.toFixed(1)}, max ${perLine.at(-1)!.toFixed(1)})`,
  );
}

// Warm up: compile the expressions and fill caches.
for (let i = 0; i < 5000; i += 1) redact(`${LINES[i % LINES.length]} #${i}`);
console.log(
  `redact() over ${LINES.length} kinds of lines, ${rounds} rounds of 2000 calls, node ${process.version}`,
);
measure('redact(line)        (process.env)', (line) => redact(line));
measure('redact(line, { env: null })', (line) => redact(line, { env: null }));
