// Tests for page_home: to be written.
#include <cppunit/extensions/HelperMacros.h>
