#include "domain/ids.h"
#include "domain/kinds.h"
#include <gtest/gtest.h>
TEST(X, Y) {}
