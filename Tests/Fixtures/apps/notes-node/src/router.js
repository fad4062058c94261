'use strict';

function compile(template) {
  const names = [];
  const pattern = template.replace(/:(\w+)/g, (_, name) => {
    names.push(name);
    return '([^/]+)';
  });
  return { regex: new RegExp(`^${pattern}$`), names };
}

function createRouter() {
  const routes = [];
  const add = (method) => (template, handler) => routes.push({ method, handler, ...compile(template) });

  async function handle(req, res) {
    const started = process.hrtime.bigint();
    const requestId = req.headers['x-request-id'] || '-';
    res.json = (status, body) => {
      const data = JSON.stringify(body);
      res.writeHead(status, { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(data) });
      res.end(data);
    };
    res.on('finish', () => {
      const ms = Number(process.hrtime.bigint() - started) / 1e6;
      console.log(`${req.method} ${req.url} ${res.statusCode} ${ms.toFixed(3)} ms - ${res.getHeader('content-length') || 0}`);
    });
    const url = new URL(req.url, 'http://localhost');
    const route = routes.find((r) => r.method === req.method && r.regex.test(url.pathname));
    if (!route) {
      res.json(404, { error: 'not found' });
      return;
    }
    const match = route.regex.exec(url.pathname);
    req.params = Object.fromEntries(route.names.map((name, i) => [name, decodeURIComponent(match[i + 1])]));
    try {
      req.body = await readJson(req);
      await route.handler(req, res);
    } catch (error) {
      console.error(`[notes] request ${requestId} failed`);
      console.error(error.stack);
      res.json(500, { error: 'internal error' });
    }
  }

  return { get: add('GET'), post: add('POST'), delete: add('DELETE'), handle };
}

function readJson(req) {
  return new Promise((resolve, reject) => {
    const chunks = [];
    req.on('data', (chunk) => chunks.push(chunk));
    req.on('end', () => {
      if (chunks.length === 0) return resolve({});
      try {
        resolve(JSON.parse(Buffer.concat(chunks).toString('utf8')));
      } catch (error) {
        reject(error);
      }
    });
    req.on('error', reject);
  });
}

module.exports = { createRouter };
