#pragma once
// Splitting text at a separator, keeping empty parts ("a,,b" has three; "" has one, empty).
#include <string>
#include <string_view>
#include <vector>

namespace marionette {

inline std::vector<std::string> splitText(const std::string& text, std::string_view separator) {
    std::vector<std::string> parts;
    std::size_t start = 0;
    for (std::size_t end; (end = text.find(separator, start)) != std::string::npos; start = end + separator.size())
        parts.push_back(text.substr(start, end - start));
    parts.push_back(text.substr(start));
    return parts;
}

}  // namespace marionette
