'use strict';
const express = require('express');
const service = require('../services/attendees');
const { asyncHandler } = require('../errors');

const router = express.Router();

router.get('/', asyncHandler(async (req, res) => {
  res.json(await service.listAttendees());
}));

router.post('/', asyncHandler(async (req, res) => {
  res.json(await service.createAttendee(req.body));
}));

router.get('/:id', asyncHandler(async (req, res) => {
  res.json(await service.getAttendee(req.params.id));
}));

router.get('/:id/registrations', asyncHandler(async (req, res) => {
  res.json(await service.registrationsOf(req.params.id));
}));

module.exports = router;
