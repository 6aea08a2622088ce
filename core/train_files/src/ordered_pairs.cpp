#include "marionette/train_files/ordered_pairs.h"

#include "marionette/util/error.h"

#include <algorithm>
#include <string>

namespace marionette::train_files {

OrderedPairs::OrderedPairs(const std::vector<std::size_t>& groupSizes) : m_sizes(groupSizes) {
    for (const std::size_t n : m_sizes) {
        m_firstIndex.push_back(m_total);
        m_total += n < 2 ? 0 : n * (n - 1);
    }
}

OrderedPairs::Pair OrderedPairs::at(std::size_t index) const {
    if (index >= m_total)
        throw Error("pair " + std::to_string(index) + " does not exist: the data set has " + std::to_string(m_total) +
                    " pairs");
    // The last group starting at or before `index`: a group without pairs starts where its successor does,
    // so the last such group always has pairs.
    const auto it = std::upper_bound(m_firstIndex.begin(), m_firstIndex.end(), index);
    const std::size_t group = static_cast<std::size_t>(it - m_firstIndex.begin()) - 1;
    const std::size_t n = m_sizes[group], k = index - m_firstIndex[group];
    const std::size_t from = k / (n - 1), rest = k % (n - 1);
    return {group, from, rest < from ? rest : rest + 1};
}

}  // namespace marionette::train_files
