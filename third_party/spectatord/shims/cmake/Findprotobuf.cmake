# Only Netflix's internal build (NFLX_INTERNAL) compiles protobuf sources; the open build links
# protobuf::protobuf without using it, so an empty target stands in for it.
if(NFLX_INTERNAL)
  message(FATAL_ERROR "The protobuf stand-in cannot build NFLX_INTERNAL=ON")
endif()
if(NOT TARGET protobuf::protobuf)
  add_library(protobuf::protobuf INTERFACE IMPORTED)
endif()
set(protobuf_FOUND TRUE)
