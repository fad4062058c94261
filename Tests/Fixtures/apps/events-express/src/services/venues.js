'use strict';
const repository = require('../repositories/venues');
const events = require('../repositories/events');
const { notFound, conflict } = require('../errors');
const { validateVenue } = require('../validation');

function toResponse(venue) {
  return { id: venue.id, name: venue.name, city: venue.city, capacity: venue.capacity };
}

async function listVenues() {
  return (await repository.all()).map(toResponse);
}

async function getVenue(id) {
  const venue = await repository.findById(id);
  return toResponse(venue);
}

async function findVenue(id) {
  const venue = await repository.findById(id);
  if (!venue) throw notFound(`venue ${id}`);
  return venue;
}

async function createVenue(body) {
  return toResponse(await repository.create(validateVenue(body)));
}

async function updateVenue(id, body) {
  await findVenue(id);
  return toResponse(await repository.update(id, validateVenue(body)));
}

async function deleteVenue(id) {
  await findVenue(id);
  if ((await events.all()).some((event) => event.venueId === id)) throw conflict('venue still has events');
  await repository.remove(id);
}

module.exports = { listVenues, getVenue, findVenue, createVenue, updateVenue, deleteVenue };
