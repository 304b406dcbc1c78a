# Writes dropoutlab_build.h (version, git commit, build date, Qt version) at every build, touching
# the file only when a value changed, so that an unchanged commit rebuilds nothing.
#   cmake -DSOURCE_DIR=... -DOUTPUT=... -DDROPOUTLAB_VERSION=... -DDROPOUTLAB_QT=... -P build_info.cmake
set(DROPOUTLAB_COMMIT "unknown")
find_package(Git QUIET)
if(GIT_FOUND AND EXISTS "${SOURCE_DIR}/.git")
  execute_process(COMMAND "${GIT_EXECUTABLE}" -C "${SOURCE_DIR}" describe --always --dirty --abbrev=10
                  OUTPUT_VARIABLE _commit OUTPUT_STRIP_TRAILING_WHITESPACE ERROR_QUIET RESULT_VARIABLE _rc)
  if(_rc EQUAL 0 AND _commit)
    set(DROPOUTLAB_COMMIT "${_commit}")
  endif()
endif()
# Reproducible builds (Debian packages) set SOURCE_DATE_EPOCH; string(TIMESTAMP) honours it.
string(TIMESTAMP DROPOUTLAB_DATE "%Y-%m-%d" UTC)
configure_file("${CMAKE_CURRENT_LIST_DIR}/dropoutlab_build.h.in" "${OUTPUT}.tmp" @ONLY)
execute_process(COMMAND "${CMAKE_COMMAND}" -E copy_if_different "${OUTPUT}.tmp" "${OUTPUT}")
file(REMOVE "${OUTPUT}.tmp")
