# Writes a C++ file holding every preset JSON file as a string.
# Usage: cmake -DOUTPUT=file.cpp "-DINPUTS=a.json|b.json" -P EmbedPresets.cmake
set(_body "// Generated from resources/presets by cmake/EmbedPresets.cmake.\n#include \"builtin_presets.h\"\n\nnamespace dropoutlab::detail {\n\nconst std::vector<EmbeddedPreset>& builtinPresetFiles()\n{\n    static const std::vector<EmbeddedPreset> files = {\n")
string(REPLACE "|" ";" INPUTS "${INPUTS}")
list(SORT INPUTS)
foreach(_file IN LISTS INPUTS)
  get_filename_component(_name "${_file}" NAME_WE)
  file(READ "${_file}" _text)
  string(APPEND _body "        {\"${_name}\", R\"dropoutlab_json(${_text})dropoutlab_json\"},\n")
endforeach()
string(APPEND _body "    };\n    return files;\n}\n\n} // namespace dropoutlab::detail\n")
file(WRITE "${OUTPUT}" "${_body}")
