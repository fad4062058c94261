'use strict';
const fs = require('node:fs');
const path = require('node:path');
const crypto = require('node:crypto');

const FILE = path.join(__dirname, '..', 'notes.data.json');

function load() {
  try {
    return JSON.parse(fs.readFileSync(FILE, 'utf8'));
  } catch {
    return {};
  }
}

function save(notes) {
  fs.writeFileSync(FILE, JSON.stringify(notes));
}

module.exports = {
  all: () => Object.values(load()),
  find: (id) => load()[id],
  insert(fields) {
    const notes = load();
    const note = { id: crypto.randomUUID(), ...fields, createdAt: new Date().toISOString() };
    notes[note.id] = note;
    save(notes);
    return note;
  },
  remove(id) {
    const notes = load();
    const existed = id in notes;
    delete notes[id];
    save(notes);
    return existed;
  },
  replaceAll(list) {
    save(Object.fromEntries(list.map((note) => [note.id, note])));
  },
};
