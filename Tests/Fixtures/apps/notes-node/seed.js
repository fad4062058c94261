'use strict';
// Writes the smoke plan's seed data (REPAIR_SEED_FILE) into the notes store.
const fs = require('node:fs');
const store = require('./src/notes-store');

const entities = JSON.parse(fs.readFileSync(process.env.REPAIR_SEED_FILE, 'utf8'));
store.replaceAll(entities.filter((e) => e.entity_name === 'note').map((e) => ({ id: e.uuid, ...e.fields })));
console.log(`seeded ${entities.length} notes`);
