import type { IncomingMessage, ServerResponse } from 'node:http';
import type { RouterRequest, RouterResponse } from '../app/cohorts/deps';

const header = (value: string | string[] | undefined) => (Array.isArray(value) ? value.join('; ') : value);

/**
 * The cohort router on a Node request: the deployed function (Hosting rewrites the app's HTML
 * routes to it) and the local runner's mount both use this. It reads the method, the query, the
 * Cookie and User-Agent headers, nothing else; a failure here still answers (500, JSON).
 */
export function cohortRouterHandler(serve: (req: RouterRequest) => Promise<RouterResponse>): (req: IncomingMessage, res: ServerResponse) => void {
  return (req, res) => {
    const url = req.url ?? '/';
    const q = url.indexOf('?');
    serve({ method: req.method ?? 'GET', query: q < 0 ? '' : url.slice(q + 1), cookie: header(req.headers.cookie), userAgent: header(req.headers['user-agent']) })
      .then((answer) => {
        res.writeHead(answer.status, answer.headers);
        res.end(answer.body);
      })
      .catch(() => {
        if (!res.headersSent) res.writeHead(500, { 'content-type': 'application/json; charset=utf-8', 'cache-control': 'no-store' });
        res.end(JSON.stringify({ error: 'the cohort router failed' }));
      });
  };
}
