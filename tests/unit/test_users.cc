// Tests for users: to be written.
#include <cppunit/extensions/HelperMacros.h>
