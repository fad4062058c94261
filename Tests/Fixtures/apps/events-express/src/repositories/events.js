'use strict';
const db = require('../db');

const all = () => db.readTable('events');
const findById = async (id) => (await all()).find((event) => event.id === id);

async function listByVenue(venueId) {
  const events = (await all()).filter((event) => event.venueId === venueId);
  return events.sort((a, b) => a.starts.localeCompare(b.starts));
}

const create = (fields) => db.insert('events', fields);
const update = (id, fields) => db.update('events', id, fields);
const remove = (id) => db.remove('events', id);

module.exports = { all, findById, listByVenue, create, update, remove };
