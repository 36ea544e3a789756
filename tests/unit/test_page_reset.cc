// Tests for page_reset: to be written.
#include <cppunit/extensions/HelperMacros.h>
