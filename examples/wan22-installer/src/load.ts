import { open } from 'node:fs/promises';
import path from 'node:path';
import type { ManifestModel } from '@wan/reliability/integrity';

/** What loading one model's files found. */
export interface LoadResult {
  readonly files: number;
  readonly bytes: number;
  readonly tensors: number;
  readonly parameters: number;
  readonly checkpoints: number;
  readonly configs: number;
}

const DTYPE_BYTES: Readonly<Record<string, number>> = {
  F32: 4,
  F16: 2,
  BF16: 2,
  I64: 8,
  I32: 4,
  I8: 1,
  U8: 1,
  F64: 8,
  BOOL: 1,
};

/**
 * Loads a model the way a runtime would start to, without a GPU: parses every safetensors header
 * (and checks each tensor's byte range lies inside the file), checks the zip signature of every
 * PyTorch `.pth` checkpoint and parses every JSON file. Throws naming the first file that is wrong.
 */
export async function loadModelFiles(root: string, model: ManifestModel): Promise<LoadResult> {
  let tensors = 0;
  let parameters = 0;
  let checkpoints = 0;
  let configs = 0;
  let bytes = 0;
  for (const file of model.files) {
    const full = path.join(root, model.id, file.path);
    const handle = await open(full, 'r');
    try {
      const { size } = await handle.stat();
      bytes += size;
      if (file.path.endsWith('.safetensors')) {
        const head = Buffer.alloc(8);
        await handle.read(head, 0, 8, 0);
        const length = Number(head.readBigUInt64LE(0));
        if (length <= 0 || length > size - 8 || length > 100 * 1024 * 1024)
          throw new Error(`${file.path}: bad safetensors header length ${length}`);
        const json = Buffer.alloc(length);
        await handle.read(json, 0, length, 8);
        const header = JSON.parse(json.toString('utf8')) as Record<
          string,
          { dtype?: string; shape?: number[]; data_offsets?: [number, number] }
        >;
        const dataSize = size - 8 - length;
        for (const [name, tensor] of Object.entries(header)) {
          if (name === '__metadata__') continue;
          const [start, end] = tensor.data_offsets ?? [-1, -1];
          const count = (tensor.shape ?? []).reduce((a, b) => a * b, 1);
          const width = DTYPE_BYTES[tensor.dtype ?? ''] ?? 0;
          if (start < 0 || end > dataSize || end - start !== count * width)
            throw new Error(`${file.path}: tensor ${name} has an invalid byte range`);
          tensors++;
          parameters += count;
        }
      } else if (file.path.endsWith('.pth')) {
        const magic = Buffer.alloc(4);
        await handle.read(magic, 0, 4, 0);
        if (magic.toString('latin1') !== 'PK\u0003\u0004')
          throw new Error(`${file.path}: not a PyTorch zip checkpoint`);
        checkpoints++;
      } else if (file.path.endsWith('.json')) {
        JSON.parse((await handle.readFile()).toString('utf8'));
        configs++;
      }
    } finally {
      await handle.close();
    }
  }
  return { files: model.files.length, bytes, tensors, parameters, checkpoints, configs };
}
