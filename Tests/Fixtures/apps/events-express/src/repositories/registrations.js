'use strict';
const db = require('../db');

const all = () => db.readTable('registrations');
const forEvent = async (eventId) => (await all()).filter((registration) => registration.eventId === eventId);
const forAttendee = async (attendeeId) => (await all()).filter((registration) => registration.attendeeId === attendeeId);
const findById = async (id) => (await all()).find((registration) => registration.id === id);
const create = (fields) => db.insert('registrations', fields);
const remove = (id) => db.remove('registrations', id);

module.exports = { all, forEvent, forAttendee, findById, create, remove };
