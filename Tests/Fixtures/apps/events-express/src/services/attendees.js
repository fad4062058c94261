'use strict';
const repository = require('../repositories/attendees');
const registrations = require('../repositories/registrations');
const { notFound } = require('../errors');
const { validateAttendee } = require('../validation');

function present(attendee) {
  return { id: attendee.id, name: attendee.fullName.trim(), email: attendee.email };
}

async function listAttendees() {
  return repository.all();
}

async function findAttendee(id) {
  const attendee = await repository.findById(id);
  if (!attendee) throw notFound(`attendee ${id}`);
  return attendee;
}

async function getAttendee(id) {
  return present(await findAttendee(id));
}

async function createAttendee(body) {
  return repository.create(validateAttendee(body));
}

async function registrationsOf(id) {
  await findAttendee(id);
  return registrations.forAttendee(id);
}

module.exports = { listAttendees, findAttendee, getAttendee, createAttendee, registrationsOf };
