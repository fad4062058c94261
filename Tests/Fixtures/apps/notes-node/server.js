'use strict';
// Notes service — generated Node.js API (node:http, no dependencies).
const http = require('node:http');
const { createRouter } = require('./src/router');
const notes = require('./src/notes-controller');

const router = createRouter();
router.get('/healthz', (req, res) => res.json(200, { ok: true }));
router.get('/notes', notes.list);
router.get('/notes/:id', notes.show);
router.post('/notes', notes.create);
router.delete('/notes/:id', notes.remove);

const port = Number(process.env.PORT || 3000);
const host = process.env.HOST || '127.0.0.1';
const server = http.createServer((req, res) => router.handle(req, res));
server.keepAliveTimeout = 5000;
server.listen(port, host, () => {
  console.log(`[notes] listening on http://${host}:${port}`);
});
process.on('SIGTERM', () => {
  console.log('[notes] SIGTERM received, closing');
  server.close(() => process.exit(0));
  setTimeout(() => process.exit(0), 500).unref();
});
