#pragma once
// Whole numbers read from JSON files without undefined behaviour: nlohmann's get<int>() of a number beyond
// int's range (1e300, 2^40) is undefined or wraps, so such a number is refused first.
#include "marionette/util/error.h"

#include <nlohmann/json.hpp>

#include <limits>
#include <string>

namespace marionette {

// `value` as an int. A number outside int's range throws Error("<what> <value> is out of range"); a value that
// is not a number throws nlohmann's type_error, as get<int>() does.
inline int jsonInt(const nlohmann::json& value, const std::string& what) {
    if (value.is_number()) {
        const double v = value.get<double>();
        if (!(v >= std::numeric_limits<int>::min() && v <= std::numeric_limits<int>::max()))
            throw Error(what + " " + value.dump() + " is out of range");
    }
    return value.get<int>();
}

}  // namespace marionette
