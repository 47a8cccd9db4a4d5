import { formatPreflightReport } from '@wan/reliability/diagnostics';
import { alternativeOffers, bestVram } from '../alternatives.js';
import { EXIT } from '../exit.js';
import type { Session } from '../session.js';
import { runPreflight } from '../steps/preflight.js';

/**
 * Checks the machine (disk, memory, GPU/VRAM advice, Node, Python, mirrors of the manifest when one
 * is known). Exit 0 when nothing blocks an install, 3 otherwise.
 */
export async function doctor(session: Session, signal: AbortSignal): Promise<number> {
  const manifest = await session.manifest(false);
  const models = manifest ? session.select(manifest) : [];
  const bytesNeeded = models.reduce((sum, m) => sum + m.files.reduce((s, f) => s + f.size, 0), 0);
  const { report, blocking, advice } = await runPreflight(
    session,
    { manifest, models, bytesNeeded, python: true },
    signal,
  );
  const offers = manifest
    ? alternativeOffers(manifest, models, await bestVram(session.timeouts.get('system_detection')))
    : [];
  session.out.info(formatPreflightReport(report));
  for (const line of advice) session.out.info(`Advice: ${line}`);
  for (const offer of offers)
    session.out.info(`Offer: ${offer.reason} Install it instead: --models ${offer.alternative}`);
  const exitCode = blocking.length === 0 ? EXIT.ok : EXIT.preflight;
  session.out.result({
    ...report,
    ok: blocking.length === 0,
    exitCode,
    blocking,
    advice,
    alternatives: offers,
  });
  return exitCode;
}
