// Tests for view: to be written.
#include <cppunit/extensions/HelperMacros.h>
