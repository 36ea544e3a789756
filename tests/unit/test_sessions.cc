// Tests for sessions: to be written.
#include <cppunit/extensions/HelperMacros.h>
