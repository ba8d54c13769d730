# Maps conan's openssl::openssl onto CMake's own FindOpenSSL module (libssl-dev).
include("${CMAKE_ROOT}/Modules/FindOpenSSL.cmake")
if(OPENSSL_FOUND AND NOT TARGET openssl::openssl)
  add_library(openssl::openssl INTERFACE IMPORTED)
  target_link_libraries(openssl::openssl INTERFACE OpenSSL::SSL OpenSSL::Crypto)
endif()
