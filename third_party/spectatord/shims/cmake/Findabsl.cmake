# Maps conan's abseil::abseil onto Debian's Abseil targets (libabsl-dev).
find_package(absl CONFIG REQUIRED)
if(NOT TARGET abseil::abseil)
  add_library(abseil::abseil INTERFACE IMPORTED)
  target_link_libraries(abseil::abseil INTERFACE
    absl::base absl::flags absl::flags_parse absl::flags_usage absl::flags_program_name
    absl::strings absl::synchronization absl::time)
endif()
set(absl_FOUND TRUE)
