'use strict';
const repository = require('../repositories/events');
const registrations = require('../repositories/registrations');
const attendees = require('../repositories/attendees');
const venues = require('./venues');
const { notFound, conflict } = require('../errors');
const { validateEvent, validateRegistration } = require('../validation');

async function listEvents(venueId) {
  if (venueId) return repository.listByVenue(venueId);
  return repository.all();
}

async function findEvent(id) {
  const event = await repository.findById(id);
  if (!event) throw notFound(`event ${id}`);
  return event;
}

async function createEvent(body) {
  const fields = validateEvent(body);
  await venues.findVenue(fields.venueId);
  return repository.create(fields);
}

async function updateEvent(id, body) {
  await findEvent(id);
  const changes = {};
  for (const field of ['title', 'startsAt']) if (body && body[field] !== undefined) changes[field] = body[field];
  return repository.update(id, changes);
}

async function deleteEvent(id) {
  const event = repository.findById(id);
  if (!event) throw notFound(`event ${id}`);
  await repository.remove(id);
}

async function publishEvent(id) {
  await findEvent(id);
  return repository.update(id, { status: 'published' });
}

async function cancelEvent(id) {
  const event = await findEvent(id);
  if (event.status === 'cancelled') throw conflict('event is already cancelled');
  return repository.update(id, { status: 'cancelled' });
}

async function registrationsOf(id) {
  await findEvent(id);
  return registrations.forEvent(id);
}

async function register(id, body) {
  const event = await findEvent(id);
  if (event.status !== 'published') throw conflict('registration is open for published events only');
  const fields = validateRegistration(body);
  if (!(await attendees.findById(fields.attendeeId))) throw notFound(`attendee ${fields.attendeeId}`);
  const venue = await venues.findVenue(event.venueId);
  const taken = (await registrations.forEvent(id)).reduce((sum, registration) => sum + registration.seats, 0);
  if (taken + fields.seats > venue.capacity) throw conflict('not enough seats left');
  return registrations.create({ eventId: id, ...fields });
}

async function unregister(id, registrationId) {
  await findEvent(id);
  const registration = await registrations.findById(registrationId);
  if (!registration || registration.eventId !== id) throw notFound(`registration ${registrationId}`);
  await registrations.remove(registrationId);
}

module.exports = {
  listEvents, findEvent, createEvent, updateEvent, deleteEvent, publishEvent, cancelEvent, registrationsOf, register, unregister,
};
