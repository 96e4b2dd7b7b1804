# Writes ${OUT}: Linea's version and the git revision of ${SRC} (with
# "-dirty" for uncommitted changes, "unknown" outside a git checkout). Run
# at every build, it rewrites the file only when the text changes, so that
# nothing is rebuilt for an unchanged revision.
execute_process(COMMAND git -C ${SRC} describe --always --dirty --abbrev=12
  OUTPUT_VARIABLE revision OUTPUT_STRIP_TRAILING_WHITESPACE
  RESULT_VARIABLE status ERROR_QUIET)
if(NOT status EQUAL 0 OR revision STREQUAL "")
  set(revision "unknown")
endif()
set(text "#define LINEA_VERSION \"${VERSION}\"\n#define LINEA_REVISION \"${revision}\"\n")
if(EXISTS ${OUT})
  file(READ ${OUT} old)
endif()
if(NOT "${old}" STREQUAL "${text}")
  file(WRITE ${OUT} "${text}")
endif()
