// Tests for outbox: to be written.
#include <cppunit/extensions/HelperMacros.h>
