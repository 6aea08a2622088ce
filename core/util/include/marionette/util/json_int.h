#pragma once
// Whole numbers read from JSON files without undefined behaviour: nlohmann's get<int>() of a number beyond
// int's range (1e300, 2^40) is undefined or wraps, so such a number is refused first.
#include "marionette/util/error.h"

#include <nlohmann/json.hpp>

#include <cmath>
#include <limits>
#include <string>

namespace marionette {

// `value` as an int. A number outside int's range throws Error("<what> <value> is out of range"), one with a
// fraction (16.5, which get<int>() would cut to 16) Error("<what> <value> is not a whole number"); a value that
// is not a number throws nlohmann's type_error, as get<int>() does.
inline int jsonInt(const nlohmann::json& value, const std::string& what) {
    if (value.is_number()) {
        const double v = value.get<double>();
        if (!(v >= std::numeric_limits<int>::min() && v <= std::numeric_limits<int>::max()))
            throw Error(what + " " + value.dump() + " is out of range");
        if (v != std::trunc(v)) throw Error(what + " " + value.dump() + " is not a whole number");
    }
    return value.get<int>();
}

}  // namespace marionette
