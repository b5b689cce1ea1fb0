# Writes OUT, a C file holding the gazetteer SRC as a byte array, for
# att_gazetteer_text: cmake -DSRC=gazetteer.txt -DOUT=gazetteer.c -P
# embed.cmake. Run at build time, so the default synonyms need no file.
file(READ "${SRC}" hex HEX)
string(LENGTH "${hex}" n)
math(EXPR len "${n} / 2")
string(REGEX REPLACE "([0-9a-f][0-9a-f])" "0x\\1," bytes "${hex}")
string(REGEX REPLACE "(0x..,0x..,0x..,0x..,0x..,0x..,0x..,0x..,0x..,0x..,0x..,0x..,)" "\\1\n" bytes "${bytes}")
set(c "/* Generated from searcher/gazetteer/gazetteer.txt by embed.cmake: do not edit. */\n")
string(APPEND c "#include <stddef.h>\n\n")
string(APPEND c "const char *att_gazetteer_text(size_t *len);\n\n")
string(APPEND c "static const unsigned char text[] = {\n${bytes}0};\n\n")
string(APPEND c "const char *att_gazetteer_text(size_t *len)\n{\n\t*len = ${len};\n\treturn (const char *)text;\n}\n")
file(WRITE "${OUT}.tmp" "${c}")
configure_file("${OUT}.tmp" "${OUT}" COPYONLY)  # unchanged: not rewritten
