// The env file format of python-dotenv, so that a FastAPI app's .env keeps
// working: KEY=value lines, optional "export ", blank lines, # comments,
// single quotes (literal), double quotes (with \n \t \" \\ escapes, may span
// lines), and unquoted values whose " #..." tail is a comment.
#pragma once
#include <map>
#include <stdexcept>
#include <string>
#include <string_view>

namespace auth {

class EnvFileError : public std::runtime_error {
public:
    using std::runtime_error::runtime_error;
};

// Throws EnvFileError naming the line of the first malformed entry.
std::map<std::string, std::string> parse_env_file(std::string_view text);

// Reads and parses a file; throws EnvFileError if it cannot be read.
std::map<std::string, std::string> read_env_file(const std::string& path);

}  // namespace auth
