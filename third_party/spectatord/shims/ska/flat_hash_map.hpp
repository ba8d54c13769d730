// Stands in for skarupke/flat_hash_map, which upstream's conan recipe downloads at build time and
// SpectatorD uses once (the publisher's string table): the same name over std::unordered_map.
#pragma once

#include <functional>
#include <memory>
#include <unordered_map>
#include <utility>

namespace ska
{
template <typename K, typename V, typename H = std::hash<K>, typename E = std::equal_to<K>,
          typename A = std::allocator<std::pair<const K, V>>>
using flat_hash_map = std::unordered_map<K, V, H, E, A>;
}  // namespace ska
