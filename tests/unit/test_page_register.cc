// Tests for page_register: to be written.
#include <cppunit/extensions/HelperMacros.h>
