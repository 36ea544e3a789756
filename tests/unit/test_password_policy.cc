// Tests for password_policy: to be written.
#include <cppunit/extensions/HelperMacros.h>
