// Tests for page_login: to be written.
#include <cppunit/extensions/HelperMacros.h>
