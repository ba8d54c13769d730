# Maps conan's rapidjson target onto Debian's header-only RapidJSON (rapidjson-dev), whose config
# sets only an include directory.
find_package(RapidJSON CONFIG REQUIRED)
if(NOT TARGET rapidjson)
  add_library(rapidjson INTERFACE IMPORTED)
  target_include_directories(rapidjson INTERFACE "${RAPIDJSON_INCLUDE_DIRS}")
endif()
set(RapidJSON_FOUND TRUE)
