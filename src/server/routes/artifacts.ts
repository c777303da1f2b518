import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import { Readable } from 'node:stream';
import { z } from 'zod';
import { NotFoundError } from '../../core/index.js';
import { defineRoute, type Route } from '../route.js';
import type { RouteDeps } from './deps.js';

const Sha256Params = z.strictObject({ sha256: z.string().regex(/^[0-9a-f]{64}$/, 'a sha256: 64 lower-case hex digits') });

/** Artifacts by content hash, from the workspace's content-addressed store. */
export function artifactRoutes({ baton }: RouteDeps): Route[] {
  return [
    defineRoute({
      method: 'get',
      path: '/v1/artifacts/:sha256',
      operationId: 'downloadArtifact',
      tag: 'artifacts',
      summary: 'Download an artifact',
      description:
        'The stored bytes with this sha256 (a run lists its artifacts at `GET /v1/runs/{id}/artifacts`). `Repr-Digest` carries the hash so the client can check what it received; `baton verify` re-hashes sealed artifacts in the store.',
      scope: 'read',
      params: Sha256Params,
      responses: { 200: { description: 'the bytes', contentType: 'application/octet-stream' } },
      handle: async ({ c, params }) => {
        const file = baton.artifacts.path(params.sha256);
        const size = await stat(file).then(
          (info) => (info.isFile() ? info.size : undefined),
          () => undefined,
        );
        if (size === undefined) throw new NotFoundError(`artifact ${params.sha256} (no stored content has this hash)`);
        const body = Readable.toWeb(createReadStream(file)) as ReadableStream<Uint8Array>;
        return c.body(body, 200, {
          'Content-Type': 'application/octet-stream',
          'Content-Length': String(size),
          'Repr-Digest': `sha-256=:${Buffer.from(params.sha256, 'hex').toString('base64')}:`,
          ETag: `"${params.sha256}"`,
          'Cache-Control': 'private, max-age=31536000, immutable',
        });
      },
    }),
  ];
}
