'use strict';
const store = require('./notes-store');

function summarize(note) {
  return { id: note.id, title: note.title.trim(), words: note.body.split(/\s+/).length };
}

module.exports = {
  list(req, res) {
    res.json(200, store.all().map(summarize));
  },
  show(req, res) {
    const note = store.find(req.params.id);
    res.json(200, { ...summarize(note), body: note.body });
  },
  create(req, res) {
    const { title, body } = req.body;
    if (typeof title !== 'string' || title.length === 0) {
      res.json(422, { error: 'title is required' });
      return;
    }
    res.json(200, store.insert({ title, body: body || '' }));
  },
  remove(req, res) {
    if (!store.remove(req.params.id)) {
      res.json(404, { error: 'not found' });
      return;
    }
    res.writeHead(204);
    res.end();
  },
};
