'use strict';
const express = require('express');
const service = require('../services/venues');
const { asyncHandler } = require('../errors');

const router = express.Router();

router.get('/', asyncHandler(async (req, res) => {
  res.json(await service.listVenues());
}));

router.post('/', asyncHandler(async (req, res) => {
  res.status(201).json(await service.createVenue(req.body));
}));

router.get('/:id', asyncHandler(async (req, res) => {
  res.json(await service.getVenue(req.params.id));
}));

router.patch('/:id', asyncHandler(async (req, res) => {
  res.json(await service.updateVenue(req.params.id, req.body));
}));

router.delete('/:id', asyncHandler(async (req, res) => {
  await service.deleteVenue(req.params.id);
  res.status(204).end();
}));

module.exports = router;
