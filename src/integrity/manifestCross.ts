import type { ManifestProblem } from '../errors/ManifestError.js';

/** A JSON path (`$.models[0].files[2].path`) for a problem's location. */
export function jsonPath(segments: readonly PropertyKey[]): string {
  let out = '$';
  for (const segment of segments) {
    if (typeof segment === 'number') out += `[${segment}]`;
    else if (typeof segment === 'string' && /^[A-Za-z_$][\w$]*$/.test(segment)) out += `.${segment}`;
    else out += `[${JSON.stringify(String(segment))}]`;
  }
  return out;
}

type Loose = Record<string, unknown>;
const isObject = (value: unknown): value is Loose =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

/** Checks across values (duplicates, references) run on the raw input so that they report even when other fields are invalid. */
export function crossProblems(input: unknown): ManifestProblem[] {
  const problems: ManifestProblem[] = [];
  if (!isObject(input) || !Array.isArray(input.models)) return problems;
  const models = input.models as unknown[];
  const ids = new Map<string, number>();
  models.forEach((model, m) => {
    if (!isObject(model) || typeof model.id !== 'string') return;
    const key = model.id.toLowerCase();
    const first = ids.get(key);
    if (first === undefined) ids.set(key, m);
    else {
      problems.push({
        path: jsonPath(['models', m, 'id']),
        message: `duplicates the id of $.models[${first}] (ids are folder names; they must differ in more than letter case)`,
      });
    }
  });
  models.forEach((model, m) => {
    if (!isObject(model)) return;
    if (Array.isArray(model.files)) {
      const seen = new Map<string, number>();
      const paths: { index: number; path: string }[] = [];
      (model.files as unknown[]).forEach((file, f) => {
        if (!isObject(file) || typeof file.path !== 'string') return;
        paths.push({ index: f, path: file.path });
        const key = file.path.toLowerCase();
        const first = seen.get(key);
        if (first === undefined) seen.set(key, f);
        else {
          problems.push({
            path: jsonPath(['models', m, 'files', f, 'path']),
            message:
              first !== undefined && (model.files as Loose[])[first]?.path === file.path
                ? `duplicates $.models[${m}].files[${first}].path`
                : `differs from $.models[${m}].files[${first}].path only in letter case (they collide on Windows and macOS)`,
          });
        }
      });
      // A path cannot be both a file and a folder.
      const asFile = new Map(paths.map((p) => [p.path.toLowerCase(), p.index]));
      for (const { index, path } of paths) {
        const segments = path.toLowerCase().split('/');
        for (let i = 1; i < segments.length; i++) {
          const prefix = segments.slice(0, i).join('/');
          const fileIndex = asFile.get(prefix);
          if (fileIndex !== undefined && fileIndex !== index) {
            problems.push({
              path: jsonPath(['models', m, 'files', index, 'path']),
              message: `lies inside $.models[${m}].files[${fileIndex}].path, which is a file`,
            });
            break;
          }
        }
      }
    }
    if (Array.isArray(model.mirrors)) {
      const seen = new Set<string>();
      (model.mirrors as unknown[]).forEach((mirror, i) => {
        if (typeof mirror !== 'string') return;
        const key = mirror.endsWith('/') ? mirror : `${mirror}/`;
        if (seen.has(key))
          problems.push({ path: jsonPath(['models', m, 'mirrors', i]), message: 'duplicate mirror' });
        seen.add(key);
      });
    }
    if (Array.isArray(model.alternatives)) {
      const seen = new Set<string>();
      (model.alternatives as unknown[]).forEach((alternative, a) => {
        if (typeof alternative !== 'string') return;
        const where = jsonPath(['models', m, 'alternatives', a]);
        if (alternative === model.id)
          problems.push({ path: where, message: 'a model cannot be its own alternative' });
        else if (!models.some((other) => isObject(other) && other.id === alternative)) {
          problems.push({
            path: where,
            message: `refers to model "${alternative}", which the manifest does not list`,
          });
        } else if (seen.has(alternative)) problems.push({ path: where, message: 'duplicate alternative' });
        seen.add(alternative);
      });
    }
  });
  return problems;
}
