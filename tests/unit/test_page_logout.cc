// Tests for page_logout: to be written.
#include <cppunit/extensions/HelperMacros.h>
