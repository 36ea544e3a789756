// libpq is loaded, not linked (libpq.cc says why): load_libpq() finds it
// the first time and throws StoreError saying what is missing if it cannot.
// Call it before any PQ* function; later calls cost nothing.
#pragma once
#include "store/store.hh"

namespace auth {

void load_libpq();

}  // namespace auth
