# Maps conan's Poco::Poco onto Debian's Poco component targets (libpoco-dev).
find_package(Poco CONFIG REQUIRED COMPONENTS Foundation Net JSON)
if(NOT TARGET Poco::Poco)
  add_library(Poco::Poco INTERFACE IMPORTED)
  target_link_libraries(Poco::Poco INTERFACE Poco::Foundation Poco::Net Poco::JSON)
endif()
set(Poco_FOUND TRUE)
