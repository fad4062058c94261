'use strict';
// A small JSON-file database: one file per table under data/, unique indexes enforced on
// write, every write atomic (temporary file, then rename).
const fs = require('fs/promises');
const path = require('path');
const crypto = require('crypto');

const DATA_DIR = process.env.DATA_DIR || path.join(__dirname, '..', 'data');
const UNIQUE = { attendees: ['email'], venues: ['name'] };

class ConstraintError extends Error {
  constructor(table, field) {
    super(`UNIQUE constraint failed: ${table}.${field}`);
    this.name = 'ConstraintError';
  }
}

async function readTable(table) {
  try {
    return JSON.parse(await fs.readFile(path.join(DATA_DIR, `${table}.json`), 'utf8'));
  } catch (error) {
    if (error.code === 'ENOENT') return [];
    throw error;
  }
}

async function writeTable(table, rows) {
  await fs.mkdir(DATA_DIR, { recursive: true });
  const file = path.join(DATA_DIR, `${table}.json`);
  const temporary = `${file}.${process.pid}.tmp`;
  await fs.writeFile(temporary, JSON.stringify(rows, null, 2));
  await fs.rename(temporary, file);
}

// Writes are read-modify-write: one at a time, so concurrent requests lose nothing.
let writes = Promise.resolve();
function serialized(work) {
  const run = writes.then(work);
  writes = run.catch(() => {});
  return run;
}

const insert = (table, row) => serialized(() => insertNow(table, row));
const update = (table, id, changes) => serialized(() => updateNow(table, id, changes));
const remove = (table, id) => serialized(() => removeNow(table, id));

async function insertNow(table, row) {
  const rows = await readTable(table);
  for (const field of UNIQUE[table] || []) {
    if (rows.some((existing) => existing[field] === row[field])) throw new ConstraintError(table, field);
  }
  const stored = { id: row.id || crypto.randomUUID(), ...row };
  rows.push(stored);
  await writeTable(table, rows);
  return stored;
}

async function updateNow(table, id, changes) {
  const rows = await readTable(table);
  const index = rows.findIndex((row) => row.id === id);
  if (index < 0) return undefined;
  rows[index] = { ...rows[index], ...changes, id };
  await writeTable(table, rows);
  return rows[index];
}

async function removeNow(table, id) {
  const rows = await readTable(table);
  const kept = rows.filter((row) => row.id !== id);
  await writeTable(table, kept);
  return kept.length !== rows.length;
}

async function reset(tables) {
  for (const table of tables) await writeTable(table, []);
}

module.exports = { ConstraintError, readTable, insert, update, remove, reset };
