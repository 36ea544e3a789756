// One line per event on standard error, which the web server puts in its
// error log. Control characters are escaped so that input can never forge a
// second line.
#pragma once
#include <string>
#include <string_view>

namespace auth {

// Set once at start from argv[0]; names the program in every line.
void set_program_name(std::string_view name);

// "2026-11-27T16:51:58Z auth-login: <message>" on stderr.
void log_line(std::string_view message);

// The message with every byte below 0x20, DEL and backslash escaped as \xNN.
std::string escape_for_log(std::string_view text);

// `key="value"`, the value with every byte below 0x20, DEL, backslash and
// the double quote escaped as \xNN: one field of a line of fields, which
// nothing in the value can end early.
std::string log_field(std::string_view key, std::string_view value);

// Like log_line, for a line made of plain words and log_field()s: written
// as it is (its fields are escaped already), but for control characters,
// which are still escaped, so that it stays one line whatever it holds.
void log_fields_line(std::string_view line);

}  // namespace auth
