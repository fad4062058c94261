'use strict';
// Loads the smoke plan's seed data (REPAIR_SEED_FILE) into the database, replacing what was there.
const fs = require('fs');
const db = require('./src/db');

const TABLES = { venue: 'venues', event: 'events', attendee: 'attendees', registration: 'registrations' };

async function main() {
  const entities = JSON.parse(fs.readFileSync(process.env.REPAIR_SEED_FILE, 'utf8'));
  await db.reset(Object.values(TABLES));
  for (const entity of entities) await db.insert(TABLES[entity.entity_name], { id: entity.uuid, ...entity.fields });
  console.log(`seeded ${entities.length} entities`);
}

main().catch((error) => {
  console.error(error.stack);
  process.exit(1);
});
