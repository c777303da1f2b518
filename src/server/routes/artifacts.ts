import { z } from 'zod';
import { defineRoute, type Route } from '../route.js';
import type { RouteDeps } from './deps.js';

const Sha256Params = z.strictObject({
  sha256: z.string().regex(/^[0-9a-f]{64}$/, 'a sha256: 64 lower-case hex digits'),
});

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
        'The stored bytes with this sha256 (a run lists its artifacts at `GET /v1/runs/{id}/artifacts`). `Repr-Digest` carries the hash so the client can check what it received. The server re-hashes the content before sending it, and again as it sends it: content changed on disk since it was stored (sealed or not) is a 500 `integrity` and none of it is sent, or, changed while it was being sent, a transfer that breaks off before its last bytes. `baton verify` re-hashes sealed artifacts in the store.',
      scope: 'read',
      params: Sha256Params,
      responses: { 200: { description: 'the bytes', contentType: 'application/octet-stream' } },
      handle: async ({ c, params }) => {
        // Re-hashed before and while it is sent: changed content is a 500 `integrity`, or a transfer that breaks off, never the bytes under the old digest.
        const { bytes, stream: body } = await baton.artifacts.read(params.sha256);
        return c.body(body, 200, {
          'Content-Type': 'application/octet-stream',
          'Content-Length': String(bytes),
          'Repr-Digest': `sha-256=:${Buffer.from(params.sha256, 'hex').toString('base64')}:`,
          ETag: `"${params.sha256}"`,
          'Cache-Control': 'private, max-age=31536000, immutable',
        });
      },
    }),
  ];
}
