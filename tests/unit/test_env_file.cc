// Tests for env_file: to be written.
#include <cppunit/extensions/HelperMacros.h>
