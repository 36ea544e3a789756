// Tests for page_profile: to be written.
#include <cppunit/extensions/HelperMacros.h>
