import { PlanError } from '../errors.js';

/** Byte order marks of encodings a plan file must not be in; UTF-32 first (its LE mark starts like UTF-16's). */
const FOREIGN_MARKS: readonly { name: string; mark: readonly number[] }[] = [
  { name: 'UTF-32 LE', mark: [0xff, 0xfe, 0x00, 0x00] },
  { name: 'UTF-32 BE', mark: [0x00, 0x00, 0xfe, 0xff] },
  { name: 'UTF-16 LE', mark: [0xff, 0xfe] },
  { name: 'UTF-16 BE', mark: [0xfe, 0xff] },
];

/** The encoding a file is evidently in besides UTF-8: a byte order mark, or ASCII interleaved with NULs. */
function foreignEncoding(bytes: Uint8Array): string | undefined {
  const marked = FOREIGN_MARKS.find(({ mark }) => mark.every((byte, i) => bytes[i] === byte));
  if (marked) return marked.name;
  if (bytes.length >= 2 && bytes[0] !== 0 && bytes[1] === 0) return 'UTF-16 LE, without a byte order mark';
  if (bytes.length >= 2 && bytes[0] === 0 && bytes[1] !== 0) return 'UTF-16 BE, without a byte order mark';
  return undefined;
}

/** The offset of the first byte that is not part of valid UTF-8 (overlong forms and surrogates included), or -1. */
function firstInvalidUtf8(bytes: Uint8Array): number {
  let i = 0;
  while (i < bytes.length) {
    const lead = bytes[i] as number;
    if (lead < 0x80) {
      i += 1;
      continue;
    }
    // Per RFC 3629: the continuation bytes and the narrower range allowed after some leads.
    const [length, low, high] =
      lead >= 0xc2 && lead <= 0xdf
        ? [2, 0x80, 0xbf]
        : lead === 0xe0
          ? [3, 0xa0, 0xbf]
          : lead === 0xed
            ? [3, 0x80, 0x9f]
            : lead >= 0xe1 && lead <= 0xef
              ? [3, 0x80, 0xbf]
              : lead === 0xf0
                ? [4, 0x90, 0xbf]
                : lead === 0xf4
                  ? [4, 0x80, 0x8f]
                  : lead >= 0xf1 && lead <= 0xf3
                    ? [4, 0x80, 0xbf]
                    : [0, 0, 0];
    if (length === 0) return i;
    const second = bytes[i + 1];
    if (second === undefined || second < low || second > high) return i;
    for (let k = 2; k < length; k++) {
      const next = bytes[i + k];
      if (next === undefined || next < 0x80 || next > 0xbf) return i;
    }
    i += length;
  }
  return -1;
}

/**
 * Decodes a plan file's bytes as UTF-8, the one encoding plans are read in. Bytes that are not
 * UTF-8 are refused with their line and column, never replaced with U+FFFD (which would change
 * what a command is given without a word). Pure: the caller reads the file.
 * @example decodePlanBytes(new TextEncoder().encode('baton: 1'), 'plan.yaml') // 'baton: 1'
 */
export function decodePlanBytes(bytes: Uint8Array, file?: string): string {
  const where = file !== undefined ? { file } : {};
  const foreign = foreignEncoding(bytes);
  if (foreign !== undefined)
    throw new PlanError([
      {
        path: [],
        message: `plan files must be UTF-8 (this file is ${foreign}); convert it, e.g. with iconv -t UTF-8`,
        line: 1,
        column: 1,
        ...where,
      },
    ]);
  const bad = firstInvalidUtf8(bytes);
  if (bad !== -1) {
    // The bytes before it are valid, so they tell the line and the column (in characters).
    const before = new TextDecoder('utf-8').decode(bytes.subarray(0, bad)).replace(/^\uFEFF/, '');
    const lines = before.split('\n');
    const byte = (bytes[bad] as number).toString(16).toUpperCase().padStart(2, '0');
    throw new PlanError([
      {
        path: [],
        message: `plan files must be UTF-8: byte 0x${byte} at offset ${bad} is not valid UTF-8 (is the file in Latin-1 or another encoding?)`,
        line: lines.length,
        column: [...(lines.at(-1) ?? '')].length + 1,
        ...where,
      },
    ]);
  }
  return new TextDecoder('utf-8', { fatal: true }).decode(bytes);
}
