// Tests for csrf: to be written.
#include <cppunit/extensions/HelperMacros.h>
