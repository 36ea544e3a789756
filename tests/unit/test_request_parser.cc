// Tests for request_parser: to be written.
#include <cppunit/extensions/HelperMacros.h>
