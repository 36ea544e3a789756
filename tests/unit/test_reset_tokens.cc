// Tests for reset_tokens: to be written.
#include <cppunit/extensions/HelperMacros.h>
