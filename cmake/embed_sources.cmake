# Writes OUT, a C++ file defining jingwu::NAMESPACE::VAR (a list of texts): the
# text of every JSON file in DIR (sorted by name), for the built-in source
# definitions. Run at build time: cmake -DDIR=... -DOUT=... -DNS=... -DVAR=... -P embed_sources.cmake
file(GLOB files ${DIR}/*.json)
list(SORT files)
set(body "")
foreach(f ${files})
  file(READ ${f} text)
  string(APPEND body "    R\"jwdef(${text})jwdef\",\n")
endforeach()
file(WRITE ${OUT}.tmp "// Generated from ${DIR}/*.json by cmake/embed_sources.cmake; do not edit.\n#include <string_view>\n#include <vector>\nnamespace jingwu::${NS} {\nextern const std::vector<std::string_view> ${VAR};\nconst std::vector<std::string_view> ${VAR} = {\n${body}};\n}  // namespace jingwu::${NS}\n")
file(COPY_FILE ${OUT}.tmp ${OUT} ONLY_IF_DIFFERENT)
