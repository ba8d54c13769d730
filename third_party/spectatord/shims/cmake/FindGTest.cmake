# Maps conan's gtest::gtest onto Debian's GoogleTest config (libgtest-dev). Only upstream's test
# executables link it; our build never builds them, but upstream's CMakeLists.txt requires the package.
find_package(GTest CONFIG REQUIRED)
if(NOT TARGET gtest::gtest)
  add_library(gtest::gtest INTERFACE IMPORTED)
  target_link_libraries(gtest::gtest INTERFACE GTest::gtest)
endif()
set(GTest_FOUND TRUE)
