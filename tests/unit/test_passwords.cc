// Tests for passwords: to be written.
#include <cppunit/extensions/HelperMacros.h>
