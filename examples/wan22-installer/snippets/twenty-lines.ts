// The README's "wrap your own installer in 20 lines", compiled with the rest of the example.
import { writeFile } from 'node:fs/promises';
import { checks, PreflightValidator, redact } from '@wan/reliability/diagnostics';
import { Downloader } from '@wan/reliability/downloads';
import { HealthReporter } from '@wan/reliability/health';
import { InstallJournal } from '@wan/reliability/install';
import { loadManifest, ModelIntegrityChecker } from '@wan/reliability/integrity';

const root = process.argv[2] ?? '/models';
const manifest = await loadManifest('wan22.manifest.json'); // validated: safe paths, sizes, sha256
const preflight = await new PreflightValidator({
  checks: [checks.diskSpace({ path: root, requiredBytes: 80e9 }), checks.writable(root)],
}).run();
if (!preflight.ok) process.exit(3);
const downloader = new Downloader({ token: () => process.env.HF_TOKEN, bandwidthLimit: 50e6 }); // resumes, fails over, verifies
const checker = new ModelIntegrityChecker({ root, manifest, downloader });
const journal = await InstallJournal.open({ file: `${root}/.install-journal.json`, root, redact });
const health = new HealthReporter();
await journal.begin('install'); // resumes a killed install at the first step not done
await journal.step('models', async () => {
  const started = performance.now();
  const result = await checker.repair(await checker.verify(), {
    onProgress: (p) => console.log(p.path, p.bytesDone),
  });
  health.record({
    component: 'models',
    operation: 'repair',
    success: result.ok,
    durationMs: performance.now() - started,
  });
  if (!result.ok) throw new Error(result.failed.flatMap((f) => f.manualSteps.slice(0, 1)).join('\n'));
});
await journal.finish('completed');
await writeFile(`${root}/health.html`, health.toHTML());
