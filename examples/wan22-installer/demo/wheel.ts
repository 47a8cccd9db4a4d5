import { createHash } from 'node:crypto';
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { deflateRawSync } from 'node:zlib';

/** Name of the demo's Python package (installed from the local wheelhouse). */
export const DEMO_PACKAGE = 'wan22_demo_runtime';

function crc32(data: Buffer): number {
  let crc = 0xffffffff;
  for (const byte of data) {
    crc ^= byte;
    for (let k = 0; k < 8; k++) crc = (crc >>> 1) ^ (0xedb88320 & -(crc & 1));
  }
  return (crc ^ 0xffffffff) >>> 0;
}

/** A minimal zip (deflate) of `entries`, enough for pip to install a wheel. */
function zip(entries: [string, Buffer][]): Buffer {
  const locals: Buffer[] = [];
  const centrals: Buffer[] = [];
  let offset = 0;
  for (const [name, data] of entries) {
    const packed = deflateRawSync(data);
    const nameBytes = Buffer.from(name);
    const local = Buffer.alloc(30);
    local.writeUInt32LE(0x04034b50, 0);
    local.writeUInt16LE(20, 4);
    local.writeUInt16LE(8, 8);
    local.writeUInt32LE(crc32(data), 14);
    local.writeUInt32LE(packed.length, 18);
    local.writeUInt32LE(data.length, 22);
    local.writeUInt16LE(nameBytes.length, 26);
    const central = Buffer.alloc(46);
    central.writeUInt32LE(0x02014b50, 0);
    central.writeUInt16LE(20, 4);
    central.writeUInt16LE(20, 6);
    central.writeUInt16LE(8, 10);
    central.writeUInt32LE(crc32(data), 16);
    central.writeUInt32LE(packed.length, 20);
    central.writeUInt32LE(data.length, 24);
    central.writeUInt16LE(nameBytes.length, 28);
    central.writeUInt32LE(offset, 42);
    locals.push(local, nameBytes, packed);
    centrals.push(central, nameBytes);
    offset += 30 + nameBytes.length + packed.length;
  }
  const directory = Buffer.concat(centrals);
  const end = Buffer.alloc(22);
  end.writeUInt32LE(0x06054b50, 0);
  end.writeUInt16LE(entries.length, 8);
  end.writeUInt16LE(entries.length, 10);
  end.writeUInt32LE(directory.length, 12);
  end.writeUInt32LE(offset, 16);
  return Buffer.concat([...locals, directory, end]);
}

/**
 * Builds a tiny pure-Python wheel into `dir` (no PyPI, no setuptools needed) and returns its path:
 * a package, its dist-info METADATA / WHEEL and a RECORD with sha256 digests.
 */
export async function buildDemoWheel(dir: string, version = '0.1.0'): Promise<string> {
  const dist = `${DEMO_PACKAGE}-${version}.dist-info`;
  const files: [string, Buffer][] = [
    [
      `${DEMO_PACKAGE}/__init__.py`,
      Buffer.from(`"""WAN2.2 demo runtime shim."""\n__version__ = "${version}"\n`),
    ],
    [
      `${dist}/METADATA`,
      Buffer.from(`Metadata-Version: 2.1\nName: ${DEMO_PACKAGE}\nVersion: ${version}\nSummary: demo\n`),
    ],
    [
      `${dist}/WHEEL`,
      Buffer.from('Wheel-Version: 1.0\nGenerator: wan22-demo\nRoot-Is-Purelib: true\nTag: py3-none-any\n'),
    ],
  ];
  const record = files.map(([name, data]) => {
    const digest = createHash('sha256').update(data).digest('base64url');
    return `${name},sha256=${digest},${data.length}`;
  });
  record.push(`${dist}/RECORD,,`);
  files.push([`${dist}/RECORD`, Buffer.from(`${record.join('\n')}\n`)]);
  await mkdir(dir, { recursive: true });
  const file = path.join(dir, `${DEMO_PACKAGE}-${version}-py3-none-any.whl`);
  await writeFile(file, zip(files));
  return file;
}
