# Maps conan's xxHash::xxhash onto Debian's xxHash (libxxhash-dev), which ships no CMake config.
find_path(XXHASH_INCLUDE_DIR xxh3.h REQUIRED)
find_library(XXHASH_LIBRARY xxhash REQUIRED)
if(NOT TARGET xxHash::xxhash)
  add_library(xxHash::xxhash UNKNOWN IMPORTED)
  set_target_properties(xxHash::xxhash PROPERTIES
    IMPORTED_LOCATION "${XXHASH_LIBRARY}"
    INTERFACE_INCLUDE_DIRECTORIES "${XXHASH_INCLUDE_DIR}")
endif()
set(xxHash_FOUND TRUE)
