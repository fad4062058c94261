'use strict';
const express = require('express');
const service = require('../services/events');
const { asyncHandler } = require('../errors');

const router = express.Router();

router.get('/', asyncHandler(async (req, res) => {
  res.json(await service.listEvents(req.query.venueId));
}));

router.post('/', asyncHandler(async (req, res) => {
  res.status(201).json(await service.createEvent(req.body));
}));

router.get('/:id', asyncHandler(async (req, res) => {
  res.json(await service.findEvent(req.params.id));
}));

router.patch('/:id', asyncHandler(async (req, res) => {
  res.json(await service.updateEvent(req.params.id, req.body));
}));

router.delete('/:id', asyncHandler(async (req, res) => {
  await service.deleteEvent(req.params.id);
  res.status(204).end();
}));

router.post('/:id/publish', asyncHandler(async (req, res) => {
  res.json(await service.publishEvent(req.params.id));
}));

router.post('/:id/cancel', asyncHandler(async (req, res) => {
  res.json(await service.cancelEvent(req.params.id));
}));

router.get('/:id/registration', asyncHandler(async (req, res) => {
  res.json(await service.registrationsOf(req.params.id));
}));

router.post('/:id/registrations', asyncHandler(async (req, res) => {
  res.status(201).json(await service.register(req.params.id, req.body));
}));

router.delete('/:id/registrations/:registrationId', asyncHandler(async (req, res) => {
  await service.unregister(req.params.id, req.params.registrationId);
  res.status(204).end();
}));

module.exports = router;
