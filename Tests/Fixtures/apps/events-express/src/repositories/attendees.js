'use strict';
const db = require('../db');

const all = () => db.readTable('attendees');
const findById = async (id) => (await all()).find((attendee) => attendee.id === id);
const create = (fields) => db.insert('attendees', fields);

module.exports = { all, findById, create };
