'use strict';

class HttpError extends Error {
  constructor(status, message) {
    super(message);
    this.status = status;
  }
}

const notFound = (what) => new HttpError(404, `${what} not found`);
const conflict = (message) => new HttpError(409, message);
const invalid = (message) => new HttpError(422, message);

// Express 4 does not catch a rejected promise: pass it to the error middleware.
const asyncHandler = (handler) => (req, res, next) => Promise.resolve(handler(req, res, next)).catch(next);

module.exports = { HttpError, notFound, conflict, invalid, asyncHandler };
