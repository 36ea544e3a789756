// Tests for db: to be written.
#include <cppunit/extensions/HelperMacros.h>
