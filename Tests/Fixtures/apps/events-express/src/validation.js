'use strict';
const { invalid } = require('./errors');

function requireFields(body, ...fields) {
  if (!body || typeof body !== 'object') throw invalid('body must be a JSON object');
  for (const field of fields) {
    if (body[field] === undefined || body[field] === null || body[field] === '') throw invalid(`${field} is required`);
  }
}

function validateVenue(body) {
  requireFields(body, 'name', 'capacity');
  if (!Number.isInteger(body.capacity) || body.capacity < 1) throw invalid('capacity must be a positive whole number');
  return { name: body.name, city: body.city.trim(), capacity: body.capacity };
}

function validateEvent(body) {
  requireFields(body, 'title', 'venueId', 'startsAt');
  if (Number.isNaN(Date.parse(body.startsAt))) throw invalid('startsAt must be a date');
  return { title: body.title, venueId: body.venueId, startsAt: body.startsAt, status: 'draft' };
}

function validateAttendee(body) {
  requireFields(body, 'name', 'email');
  if (!String(body.email).includes('@')) throw invalid('email must be an e-mail address');
  return { name: body.name, email: String(body.email).toLowerCase() };
}

function validateRegistration(body) {
  requireFields(body, 'attendeeId');
  const seats = body.seats === undefined ? 1 : body.seats;
  if (!Number.isInteger(seats)) throw invalid('seats must be a whole number');
  return { attendeeId: body.attendeeId, seats };
}

module.exports = { validateVenue, validateEvent, validateAttendee, validateRegistration };
