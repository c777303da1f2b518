import { createPrivateKey, generateKeyPairSync, type KeyObject } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { BatonError, ErrorCode } from '../core/index.js';

/** The workspace's own signing key, generated on first use (docs/cli.md, `baton checkpoint`). */
export const WORKSPACE_KEY_FILE = 'checkpoint-key.pem';

/** The environment variable that holds a signing key instead: PEM text, or base64 of PKCS#8 DER. */
export const KEY_VARIABLE = 'BATON_CHECKPOINT_KEY';

/** Reads an Ed25519 private key (PEM, or base64 of PKCS#8 DER); `where` names it in the error. */
export function parsePrivateKey(text: string, where: string): KeyObject {
  try {
    const trimmed = text.trim();
    const key = trimmed.startsWith('-----BEGIN')
      ? createPrivateKey(trimmed)
      : createPrivateKey({ key: Buffer.from(trimmed, 'base64'), format: 'der', type: 'pkcs8' });
    if (key.asymmetricKeyType !== 'ed25519') throw new Error(`it is a ${key.asymmetricKeyType ?? 'unknown'} key`);
    return key;
  } catch (error) {
    throw new BatonError(
      ErrorCode.badInput,
      `${where} is not an Ed25519 private key (PEM, or base64 of PKCS#8 DER): ${(error as Error).message}`,
    );
  }
}

/**
 * The key that signs checkpoints: `--key FILE`, else BATON_CHECKPOINT_KEY, else the
 * workspace's own, written on first use to `<home>/checkpoint-key.pem` readable by its owner
 * only. A key kept in the workspace protects a checkpoint from being forged only as well as
 * the workspace is protected; an operator who wants more keeps the key elsewhere.
 */
export function checkpointKey(home: string, keyFile: string | undefined): { key: KeyObject; source: string } {
  if (keyFile !== undefined) {
    if (!existsSync(keyFile)) throw new BatonError(ErrorCode.badInput, `--key: no file at ${keyFile}`);
    return { key: parsePrivateKey(readFileSync(keyFile, 'utf8'), `--key ${keyFile}`), source: keyFile };
  }
  const fromEnvironment = process.env[KEY_VARIABLE];
  if (fromEnvironment) return { key: parsePrivateKey(fromEnvironment, KEY_VARIABLE), source: KEY_VARIABLE };
  const file = join(home, WORKSPACE_KEY_FILE);
  if (existsSync(file)) return { key: parsePrivateKey(readFileSync(file, 'utf8'), file), source: file };
  const { privateKey } = generateKeyPairSync('ed25519');
  mkdirSync(home, { recursive: true });
  // `wx`: never overwrite a key another process wrote meanwhile; that one is then read back.
  try {
    writeFileSync(file, privateKey.export({ type: 'pkcs8', format: 'pem' }), { mode: 0o600, flag: 'wx' });
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    return { key: parsePrivateKey(readFileSync(file, 'utf8'), file), source: file };
  }
  return { key: privateKey, source: file };
}
