// Tests for mailer: to be written.
#include <cppunit/extensions/HelperMacros.h>
