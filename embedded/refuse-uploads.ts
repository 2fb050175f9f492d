import type { RequestListener } from 'node:http';

/**
 * Answers a write to `bucket` 503 once `state.refused` is set (a stop has begun): an upload to
 * the submissions bucket accepted then would only start its run at the next start. Other
 * buckets, which the runs in progress still write, are left alone.
 */
export function refuseUploads(
  handle: RequestListener,
  bucket: string,
  state: { refused: boolean },
): RequestListener {
  return (req, res) => {
    if (!state.refused || req.method === 'GET' || req.method === 'HEAD') return handle(req, res);
    // Path-style requests only: the S3 guard in front refuses every other style.
    const target = new URL(req.url ?? '/', 'http://127.0.0.1').pathname.split('/')[1];
    if (target !== bucket) return handle(req, res);
    res.writeHead(503, { 'content-type': 'application/xml', connection: 'close' });
    res.end(
      '<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>ServiceUnavailable</Code>' +
        '<Message>the backend is stopping; upload again after it restarts</Message></Error>\n',
    );
  };
}
