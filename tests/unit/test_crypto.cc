// Tests for crypto: to be written.
#include <cppunit/extensions/HelperMacros.h>
