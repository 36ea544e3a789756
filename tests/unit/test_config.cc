// Tests for config: to be written.
#include <cppunit/extensions/HelperMacros.h>
