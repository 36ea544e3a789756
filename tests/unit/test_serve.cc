// Tests for serve: to be written.
#include <cppunit/extensions/HelperMacros.h>
