#ifndef REPAIRD_CUUID_SHIM_H
#define REPAIRD_CUUID_SHIM_H
#include <uuid/uuid.h>
#endif
