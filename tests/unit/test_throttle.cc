// Tests for throttle: to be written.
#include <cppunit/extensions/HelperMacros.h>
