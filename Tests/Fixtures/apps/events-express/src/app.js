'use strict';
const express = require('express');
const morgan = require('morgan');
const venuesRouter = require('./routes/venues');
const attendeesRouter = require('./routes/attendees');
const db = require('./db');

const app = express();
app.use(morgan('dev'));
app.use(express.json());

app.get('/health', (req, res) => res.json({ status: 'ok' }));

app.get('/stats', async (req, res, next) => {
  try {
    const [venues, events, attendees, registrations] = await Promise.all(
      ['venues', 'events', 'attendees', 'registrations'].map((table) => db.readTable(table)));
    res.json({ venues: venues.length, events: events.length, attendees: attendees.length, registrations: registrations.length });
  } catch (error) {
    next(error);
  }
});

app.use('/venues', venuesRouter);
app.use('/events', require('./routes/events'));
app.use('/attendees', attendeesRouter);

// Errors: known ones answer with their status; anything else is logged and answers 500.
app.use((err, req, res, next) => {
  if (err.status) {
    res.status(err.status).json({ error: err.message });
    return;
  }
  console.error(err.stack);
  res.status(500).json({ error: 'internal server error' });
});

module.exports = app;
