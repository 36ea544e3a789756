// Tests for http: to be written.
#include <cppunit/extensions/HelperMacros.h>
