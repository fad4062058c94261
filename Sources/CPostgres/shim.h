#ifndef REPAIRD_CPOSTGRES_SHIM_H
#define REPAIRD_CPOSTGRES_SHIM_H

/* libpq, PostgreSQL's C client: the resident daemon's queue reads on a shared store and its
   LISTEN, without Foundation (the heal cycle's store access goes through postgres-nio). */
#include <libpq-fe.h>

#endif
