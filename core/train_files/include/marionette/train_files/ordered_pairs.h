#pragma once
// Every ordered pair of different members within groups (images of one identity, frames of one video),
// numbered without storing them: group after group, and within a group of n members reference a and
// target b at a * (n - 1) + (b < a ? b : b - 1).
#include <cstddef>
#include <vector>

namespace marionette::train_files {

class OrderedPairs {
public:
    struct Pair {
        std::size_t group, from, to;  // member indices within the group
    };
    OrderedPairs() = default;
    explicit OrderedPairs(const std::vector<std::size_t>& groupSizes);
    std::size_t size() const { return m_total; }
    Pair at(std::size_t index) const;  // throws marionette::Error when index >= size()

private:
    std::vector<std::size_t> m_sizes, m_firstIndex;
    std::size_t m_total = 0;
};

}  // namespace marionette::train_files
