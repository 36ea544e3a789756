// Tests for validate: to be written.
#include <cppunit/extensions/HelperMacros.h>
