'use strict';
const db = require('../db');

const all = () => db.readTable('venues');
const findById = async (id) => (await all()).find((venue) => venue.id === id);
const create = (fields) => db.insert('venues', fields);
const update = (id, fields) => db.update('venues', id, fields);
const remove = (id) => db.remove('venues', id);

module.exports = { all, findById, create, update, remove };
